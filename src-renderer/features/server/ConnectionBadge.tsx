import { Badge, Code, Group } from "@mantine/core";
import { useServerStore, type Reachability } from "../../stores/useServerStore";

const LABELS: Record<Reachability, string> = {
  connecting: "Connecting…",
  online: "Online",
  unreachable: "Unreachable",
};

const COLORS: Record<Reachability, string> = {
  connecting: "gray",
  online: "green",
  unreachable: "red",
};

/** The header's one-glance answer to "is the server up, and where?". */
export function ConnectionBadge() {
  const reachability = useServerStore((s) => s.reachability);
  const baseUrl = useServerStore((s) => s.baseUrl);
  return (
    <Group gap="xs" wrap="nowrap" role="status" aria-live="polite">
      <Badge color={COLORS[reachability]} variant="dot" tt="none" size="lg">
        {LABELS[reachability]}
      </Badge>
      {baseUrl && <Code visibleFrom="md">{baseUrl}</Code>}
    </Group>
  );
}
