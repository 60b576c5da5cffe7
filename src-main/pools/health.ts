/**
 * Passive health of one target (one connection key × upstream model): a circuit breaker fed by
 * real traffic, the rest/disable/exhaust marks that errorClass.ts asks for, requests in flight
 * and an EWMA of latency. Pure: every method takes `now`, nothing schedules a timer — states
 * that expire (open, resting, exhausted until) are read off the clock when asked.
 */

export interface HealthOptions {
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold: number;
  /** How long an open circuit refuses traffic before one half-open probe. Default 30_000 ms. */
  cooldownMs: number;
  /** Weight of the newest sample in the latency EWMA, in (0, 1]. Default 0.2. */
  latencyAlpha: number;
}

export const DEFAULT_HEALTH_OPTIONS: Readonly<HealthOptions> = {
  failureThreshold: 3,
  cooldownMs: 30_000,
  latencyAlpha: 0.2,
};

/** closed: traffic flows. open: none until the cooldown ends. half_open: one probe decides. */
export type CircuitState = "closed" | "open" | "half_open";

export interface HealthSnapshot {
  state: CircuitState;
  available: boolean;
  inFlight: number;
  latencyMs: number | null;
  /** When a 429 rest ends; null when not resting. */
  restingUntil: number | null;
  disabledReason: string | null;
  exhausted: boolean;
  /** When an exhausted mark lapses by itself; null when not exhausted or until re-enabled. */
  exhaustedUntil: number | null;
  consecutiveFailures: number;
  /** When an open circuit turns half-open; null unless open. */
  openUntil: number | null;
}

export class TargetHealth {
  private readonly opts: HealthOptions;
  private inFlightCount = 0;
  private ewma: number | null = null;
  private failures = 0;
  /** Set while the circuit is open or half-open (the cooldown's end); null when closed. */
  private openedUntil: number | null = null;
  private probeTaken = false;
  private restUntil: number | null = null;
  private disabled: string | null = null;
  private exhaustedMark = false;
  private exhaustedEnd: number | null = null;

  constructor(opts: Partial<HealthOptions> = {}) {
    this.opts = { ...DEFAULT_HEALTH_OPTIONS, ...opts };
    const { failureThreshold, cooldownMs, latencyAlpha } = this.opts;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1)
      throw new RangeError("failureThreshold must be an integer ≥ 1");
    if (!(cooldownMs >= 0)) throw new RangeError("cooldownMs must be ≥ 0");
    if (!(latencyAlpha > 0 && latencyAlpha <= 1))
      throw new RangeError("latencyAlpha must be in (0, 1]");
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** EWMA of successful requests' latency; null before the first success. */
  get latencyMs(): number | null {
    return this.ewma;
  }

  /** Open until the cooldown's end (exclusive), half-open from that instant on. */
  state(now: number): CircuitState {
    if (this.openedUntil === null) return "closed";
    return now < this.openedUntil ? "open" : "half_open";
  }

  /** May a new request start here now: the circuit lets it through and no mark holds it back. */
  available(now: number): boolean {
    if (this.disabled !== null) return false;
    if (this.isExhausted(now)) return false;
    if (this.restUntil !== null && now < this.restUntil) return false;
    const s = this.state(now);
    return s === "closed" || (s === "half_open" && !this.probeTaken);
  }

  /** A request starts. In half-open it is the one probe: no other starts until it finishes. */
  begin(now: number): void {
    this.inFlightCount++;
    if (this.state(now) === "half_open") this.probeTaken = true;
  }

  /**
   * A request succeeded. Closes a half-open circuit (and resets the failure count when closed).
   * A success while still open — a request that started before the circuit opened — updates the
   * latency but does not cut the cooldown short: only a half-open probe closes the circuit.
   */
  succeed(now: number, latencyMs: number): void {
    this.finish(now);
    const a = this.opts.latencyAlpha;
    // A clock that went backwards (or a NaN) must not poison the average for good.
    if (Number.isFinite(latencyMs) && latencyMs >= 0)
      this.ewma = this.ewma === null ? latencyMs : a * latencyMs + (1 - a) * this.ewma;
    if (this.state(now) === "open") return;
    this.failures = 0;
    this.openedUntil = null;
  }

  /**
   * A request failed in a way that counts against the target (cool_down). Threshold consecutive
   * failures open the circuit for cooldownMs; a failure in half-open reopens it for a full
   * cooldown. Failures while already open count but do not extend the cooldown.
   */
  fail(now: number): void {
    const s = this.state(now);
    this.finish(now);
    this.failures++;
    if (s === "half_open" || (s === "closed" && this.failures >= this.opts.failureThreshold))
      this.openedUntil = now + this.opts.cooldownMs;
  }

  /** A request finished without a verdict on the target (a 400 returned to the caller, a
   * client abort, or before rest/disable/exhaust). */
  end(now: number): void {
    this.finish(now);
  }

  /** 429: no new requests until `until`. A later rest never shortens an earlier, longer one. */
  rest(until: number): void {
    this.restUntil = this.restUntil === null ? until : Math.max(this.restUntil, until);
  }

  /** 401/403: no requests until an admin re-enables the key. */
  disable(reason: string): void {
    this.disabled = reason;
  }

  /** Quota or spend cap reached: no requests until `until`, or until re-enabled if omitted. */
  exhaust(until?: number): void {
    this.exhaustedMark = true;
    this.exhaustedEnd = until ?? null;
  }

  /**
   * An admin re-enables the target: clears disabled and exhausted. A 429 rest and an open circuit
   * stay — they are the upstream's own word and lapse by themselves.
   */
  enable(): void {
    this.disabled = null;
    this.exhaustedMark = false;
    this.exhaustedEnd = null;
  }

  snapshot(now: number): HealthSnapshot {
    const state = this.state(now);
    const exhausted = this.isExhausted(now);
    return {
      state,
      available: this.available(now),
      inFlight: this.inFlightCount,
      latencyMs: this.ewma,
      restingUntil: this.restUntil !== null && now < this.restUntil ? this.restUntil : null,
      disabledReason: this.disabled,
      exhausted,
      exhaustedUntil: exhausted ? this.exhaustedEnd : null,
      consecutiveFailures: this.failures,
      openUntil: state === "open" ? this.openedUntil : null,
    };
  }

  private isExhausted(now: number): boolean {
    return this.exhaustedMark && (this.exhaustedEnd === null || now < this.exhaustedEnd);
  }

  /** Every finished request frees its slot; in half-open, whichever finishes frees the probe
   * (begin() returns no handle, so a request started before the circuit opened cannot be told
   * from the probe; that only ever allows one extra probe). */
  private finish(now: number): void {
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    if (this.state(now) !== "closed") this.probeTaken = false;
  }
}
