/** A live update pushed to management clients (the `/manage/v1/events` stream). */
export interface BenchtopEvent {
  type: string;
  /** Members this event concerns; `null` for org-wide events only admins and viewers see. */
  memberId: string | null;
  data: unknown;
}

export type EventListener = (event: BenchtopEvent) => void;

/** In-process fan-out of events. Listeners run synchronously; one failing does not stop others. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: BenchtopEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener (e.g. a closed stream) must not affect the request that emitted.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
