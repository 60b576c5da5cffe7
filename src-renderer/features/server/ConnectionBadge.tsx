import { useServerStore, type Reachability } from "../../stores/useServerStore";

const LABELS: Record<Reachability, string> = {
  connecting: "Connecting…",
  online: "Online",
  unreachable: "Unreachable",
};

/** The header's one-glance answer to "is the server up, and where?". */
export function ConnectionBadge() {
  const reachability = useServerStore((s) => s.reachability);
  const baseUrl = useServerStore((s) => s.baseUrl);
  return (
    <div className="connection" role="status" aria-live="polite">
      <span className={`pill pill-${reachability}`}>
        <span className="dot" aria-hidden="true" />
        {LABELS[reachability]}
      </span>
      {baseUrl && <code className="connection-url">{baseUrl}</code>}
    </div>
  );
}
