import type { ConnectionDto } from "@contract";
import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { IconPencil, IconTrash } from "@tabler/icons-react";
import { useState, type ReactNode } from "react";
import { describeError } from "../../api/ApiRequestError";
import { useAuthStore } from "../../stores/useAuthStore";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { useRouteStore } from "../../stores/useRouteStore";
import { ConnectionPrices } from "./ConnectionPrices";
import { ConnectionTestPanel } from "./ConnectionTestPanel";
import { ConnectionUsage } from "./ConnectionUsage";
import { KeysSection } from "./KeysSection";
import { KeyVaultSwitch } from "./KeyVaultSwitch";
import { KindBadge } from "./KindBadge";
import { TargetHealthTable } from "./TargetHealthTable";
import { useCanWrite } from "./useConnectionsPage";

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      <Title order={3} size="h4" id={id} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </Stack>
  );
}

/** One connection: what it is, its keys, a test, live health, usage and prices. */
export function ConnectionDetail({ connection }: { connection: ConnectionDto }) {
  const canWrite = useCanWrite();
  const isOwner = useAuthStore((s) => s.me?.role === "owner");
  const health = useConnectionsStore((s) => s.health[connection.id]);
  const usage = useConnectionsStore((s) => s.usage[connection.id]);
  const navigate = useRouteStore((s) => s.navigate);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string>();
  const headers = Object.entries(connection.headers);

  async function remove() {
    setDeleteError(undefined);
    try {
      await useConnectionsStore.getState().remove(connection.id);
      navigate("connections");
    } catch (err) {
      setDeleteError(describeError(err));
      setConfirming(false);
    }
  }

  return (
    <Stack gap="md">
      <Anchor href="#/connections" size="sm">
        ← Connections &amp; pools
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <Group gap="sm">
          <Title order={2}>{connection.name}</Title>
          <KindBadge kind={connection.kind} />
        </Group>
        {canWrite && (
          <Group gap="xs">
            <Button
              component="a"
              href={`#/connections/c/${encodeURIComponent(connection.id)}/edit`}
              variant="default"
              leftSection={<IconPencil size={16} />}
            >
              Edit
            </Button>
            <Button
              color="red"
              variant={confirming ? "filled" : "subtle"}
              leftSection={<IconTrash size={16} />}
              onClick={() => (confirming ? void remove() : setConfirming(true))}
            >
              {confirming ? "Really delete?" : "Delete"}
            </Button>
          </Group>
        )}
      </Group>
      {deleteError && (
        <Alert color="red" title="Not deleted">
          {deleteError}
        </Alert>
      )}
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <Fact label="Base URL">
            <Code>{connection.base_url}</Code>
          </Fact>
          <Fact label="Extra headers">
            {headers.length === 0 ? (
              <Text size="sm" c="dimmed">
                none
              </Text>
            ) : (
              headers.map(([k, v]) => (
                <Text key={k} size="sm" ff="monospace">
                  {k}: {v}
                </Text>
              ))
            )}
          </Fact>
          <Fact label="Region">
            <Text size="sm">{connection.region ?? "not declared"}</Text>
          </Fact>
          <Fact label="Retention">
            <Text size="sm">{connection.retention ?? "not declared"}</Text>
          </Fact>
        </SimpleGrid>
      </Paper>
      <Section title="KeyVault">
        <KeyVaultSwitch connection={connection} isOwner={isOwner} />
      </Section>
      <Section title="Test">
        <ConnectionTestPanel connection={connection} canWrite={canWrite} />
      </Section>
      <Section title="Keys">
        <KeysSection connection={connection} canWrite={canWrite} />
      </Section>
      <Section title="Live health">
        {health ? (
          <TargetHealthTable health={health} keys={connection.keys} label="Live health" />
        ) : (
          <Text c="dimmed" size="sm">
            Reading health…
          </Text>
        )}
      </Section>
      <Section title="Usage">
        <ConnectionUsage usage={usage} />
      </Section>
      <Section title="Prices">
        <ConnectionPrices connection={connection} canWrite={canWrite} />
      </Section>
    </Stack>
  );
}
