import type { EngineState, HealthDto } from "@contract";
import { formatDuration } from "../../lib/formatDuration";

type Tone = "ok" | "busy" | "idle" | "bad";

const ENGINE: Record<EngineState, { label: string; tone: Tone; hint: string }> = {
  running: { label: "Running", tone: "ok", hint: "The engine host is up." },
  starting: { label: "Starting", tone: "busy", hint: "The engine host is loading its backend." },
  restarting: {
    label: "Restarting",
    tone: "busy",
    hint: "The engine host died and is restarting.",
  },
  stopped: { label: "Idle", tone: "idle", hint: "Starts when a local model is first used." },
  closed: { label: "Closed", tone: "bad", hint: "The server is shutting down." },
};

/** Server and engine at a glance, from one `/health` body (dashes while none has arrived). */
export function HealthCards({ health }: { health?: HealthDto }) {
  const engine = health ? ENGINE[health.engine.state] : undefined;
  return (
    <div className="cards">
      <section className="card" aria-labelledby="server-card-title">
        <h2 id="server-card-title">Server</h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>{health ? <Tag tone="ok">OK</Tag> : "—"}</dd>
          <dt>Version</dt>
          <dd>{health?.version ?? "—"}</dd>
          <dt>Uptime</dt>
          <dd>{health ? formatDuration(health.uptime_s) : "—"}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="engine-card-title">
        <h2 id="engine-card-title">Local engine</h2>
        <dl className="facts">
          <dt>State</dt>
          <dd title={engine?.hint}>
            {engine ? <Tag tone={engine.tone}>{engine.label}</Tag> : "—"}
          </dd>
          <dt>Models loaded</dt>
          <dd>{health?.models.loaded ?? "—"}</dd>
          <dt>Restarts</dt>
          <dd>{health?.engine.restarts ?? "—"}</dd>
        </dl>
        {engine && <p className="muted small">{engine.hint}</p>}
      </section>
    </div>
  );
}

function Tag({ tone, children }: { tone: Tone; children: string }) {
  return <span className={`tag tag-${tone}`}>{children}</span>;
}
