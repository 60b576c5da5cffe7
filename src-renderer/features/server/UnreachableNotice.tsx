import { Alert, Button, Group, Stack, Text, Title } from "@mantine/core";
import { IconPlugConnectedX } from "@tabler/icons-react";
import { useServerStore } from "../../stores/useServerStore";

/** Shown above every page while `/health` does not answer: what failed, and that we keep trying. */
export function UnreachableNotice() {
  const healthError = useServerStore((s) => s.healthError);
  const refresh = useServerStore((s) => s.refresh);
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconPlugConnectedX size={20} />}
      aria-labelledby="unreachable-title"
    >
      <Group justify="space-between" align="start" wrap="nowrap">
        <Stack gap={4}>
          <Title order={2} size="h4" id="unreachable-title">
            Server unreachable
          </Title>
          <Text size="sm">{healthError ?? "The API did not answer."}</Text>
          <Text size="sm" c="dimmed">
            Benchtop checks again every few seconds. If the app was just started, the server may
            still be starting.
          </Text>
        </Stack>
        <Button variant="default" onClick={() => void refresh()}>
          Retry now
        </Button>
      </Group>
    </Alert>
  );
}
