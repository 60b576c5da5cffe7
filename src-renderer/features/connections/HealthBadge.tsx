import { Badge, Tooltip } from "@mantine/core";
import type { TargetView } from "./targetHealth";

/** A health condition as a coloured badge; the sentence behind it is its tooltip and label. */
export function HealthBadge({ view }: { view: TargetView }) {
  return (
    <Tooltip label={view.detail} withArrow>
      <Badge
        variant="light"
        color={view.color}
        style={{ textTransform: "none", flexShrink: 0 }}
        // Never cut short: a table column narrower than the label grows or scrolls instead.
        styles={{ label: { overflow: "visible" } }}
        aria-label={`${view.label}: ${view.detail}`}
        tabIndex={0}
      >
        {view.label}
      </Badge>
    </Tooltip>
  );
}
