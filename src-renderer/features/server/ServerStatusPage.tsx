import { useServerStore } from "../../stores/useServerStore";
import { HealthCards } from "./HealthCards";
import { ModelTable } from "./ModelTable";
import { UnreachableNotice } from "./UnreachableNotice";

/** The status page: is the server up, what is the engine doing, which models can be called. */
export function ServerStatusPage() {
  const reachability = useServerStore((s) => s.reachability);
  const health = useServerStore((s) => s.health);
  const models = useServerStore((s) => s.models);
  const modelsError = useServerStore((s) => s.modelsError);
  const checkedAt = useServerStore((s) => s.checkedAt);

  return (
    <div className="page">
      {reachability === "unreachable" && <UnreachableNotice />}
      <HealthCards health={health} />
      <ModelTable
        models={models}
        error={reachability === "online" ? modelsError : undefined}
        loaded={reachability === "online"}
      />
      <p className="muted small footnote">
        {checkedAt
          ? `Last checked at ${new Date(checkedAt).toLocaleTimeString()}`
          : "Checking the server…"}
      </p>
    </div>
  );
}
