import type { EngineState, HealthDto } from "@contract";
import { Badge, Card, SimpleGrid, Text, Title } from "@mantine/core";
import { formatDuration } from "../../lib/formatDuration";
import { FactList } from "./FactList";

const ENGINE: Record<EngineState, { label: string; color: string; hint: string }> = {
  running: { label: "Running", color: "green", hint: "The engine host is up." },
  starting: {
    label: "Starting",
    color: "yellow",
    hint: "The engine host is loading its backend.",
  },
  restarting: {
    label: "Restarting",
    color: "yellow",
    hint: "The engine host died and is restarting.",
  },
  stopped: { label: "Idle", color: "gray", hint: "Starts when a local model is first used." },
  closed: { label: "Closed", color: "red", hint: "The server is shutting down." },
};

/** Server and engine at a glance, from one `/health` body (dashes while none has arrived). */
export function HealthCards({ health }: { health?: HealthDto }) {
  const engine = health ? ENGINE[health.engine.state] : undefined;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      <Card withBorder component="section" aria-labelledby="server-card-title">
        <Title order={3} size="h4" id="server-card-title" mb="sm">
          Server
        </Title>
        <FactList
          facts={[
            [
              "Status",
              health ? (
                <Badge color="green" variant="light">
                  OK
                </Badge>
              ) : (
                "—"
              ),
            ],
            ["Version", health?.version ?? "—"],
            ["Uptime", health ? formatDuration(health.uptime_s) : "—"],
          ]}
        />
      </Card>
      <Card withBorder component="section" aria-labelledby="engine-card-title">
        <Title order={3} size="h4" id="engine-card-title" mb="sm">
          Local engine
        </Title>
        <FactList
          facts={[
            [
              "State",
              engine ? (
                <Badge color={engine.color} variant="light" title={engine.hint}>
                  {engine.label}
                </Badge>
              ) : (
                "—"
              ),
            ],
            ["Models loaded", health?.models.loaded ?? "—"],
            ["Restarts", health?.engine.restarts ?? "—"],
          ]}
        />
        {engine && (
          <Text size="xs" c="dimmed" mt="sm">
            {engine.hint}
          </Text>
        )}
      </Card>
    </SimpleGrid>
  );
}
