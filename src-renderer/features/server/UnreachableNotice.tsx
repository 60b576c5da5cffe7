import { useServerStore } from "../../stores/useServerStore";

/** Shown while `/health` does not answer: what failed, and that we keep trying. */
export function UnreachableNotice() {
  const healthError = useServerStore((s) => s.healthError);
  const refresh = useServerStore((s) => s.refresh);
  return (
    <section className="notice notice-error" aria-labelledby="unreachable-title">
      <div>
        <h2 id="unreachable-title">Server unreachable</h2>
        <p>{healthError ?? "The API did not answer."}</p>
        <p className="muted">
          Benchtop checks again every few seconds. If the app was just started, the server may still
          be starting.
        </p>
      </div>
      <button type="button" className="button" onClick={() => void refresh()}>
        Retry now
      </button>
    </section>
  );
}
