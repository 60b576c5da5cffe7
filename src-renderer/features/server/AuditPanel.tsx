import type { AuditEntryDto } from "@contract";
import { Alert, Badge, Button, Card, Code, Group, Table, Text, Title } from "@mantine/core";
import { IconShieldCheck } from "@tabler/icons-react";
import { useEffect } from "react";
import { useAuditStore } from "../../stores/useAuditStore";
import { useEventsStore } from "../../stores/useEventsStore";

/** The admin audit trail, newest first, a page at a time, and a check of its hash chain. */
export function AuditPanel() {
  const entries = useAuditStore((s) => s.entries);
  const hasMore = useAuditStore((s) => s.hasMore);
  const cursors = useAuditStore((s) => s.cursors);
  const loading = useAuditStore((s) => s.loading);
  const error = useAuditStore((s) => s.error);
  const names = useAuditStore((s) => s.names);

  useEffect(() => {
    const store = useAuditStore.getState();
    void store.loadFirst();
    // Every change event (`<resource>.<verb>`) wrote an audit row: the first page shows it.
    const off = useEventsStore.getState().subscribe([""], (e) => {
      if (
        e.type.includes(".") &&
        e.type !== "server.closing" &&
        useAuditStore.getState().cursors.length === 0
      )
        void useAuditStore.getState().reload();
    });
    return () => {
      off();
      useAuditStore.getState().reset();
    };
  }, []);

  return (
    <Card withBorder component="section" aria-labelledby="audit-title">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4" id="audit-title">
          Audit log
        </Title>
        <VerifyChain />
      </Group>
      {error && (
        <Alert color="red" title="Could not read the audit log" mb="sm">
          {error}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={640}>
        <Table striped aria-label="Audit log entries">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">#</Table.Th>
              <Table.Th scope="col">Time</Table.Th>
              <Table.Th scope="col">Actor</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
              <Table.Th scope="col">Target</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((e) => (
              <AuditRow key={e.seq} entry={e} names={names} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {entries.length === 0 && !loading && !error && (
        <Text size="sm" c="dimmed" mt="sm">
          No changes recorded yet.
        </Text>
      )}
      <Group justify="space-between" mt="sm">
        <Text size="sm" c="dimmed">
          Page {cursors.length + 1}
        </Text>
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            disabled={loading || cursors.length === 0}
            onClick={() => void useAuditStore.getState().prevPage()}
          >
            Newer
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={loading || !hasMore}
            onClick={() => void useAuditStore.getState().nextPage()}
          >
            Older
          </Button>
        </Group>
      </Group>
    </Card>
  );
}

function AuditRow({ entry, names }: { entry: AuditEntryDto; names: Record<string, string> }) {
  const actor = entry.actor_id ? (names[entry.actor_id] ?? entry.actor_id) : "system";
  // A member's changes (member, credits, limits…) name the member; the id stays in the tooltip.
  const targetName = entry.target_id ? names[entry.target_id] : undefined;
  return (
    <Table.Tr>
      <Table.Td>{entry.seq}</Table.Td>
      <Table.Td>
        <time dateTime={new Date(entry.ts_ms).toISOString()}>
          {new Date(entry.ts_ms).toLocaleString()}
        </time>
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Text size="sm">{actor}</Text>
          {entry.actor_role && (
            <Badge size="xs" variant="light" color="gray">
              {entry.actor_role}
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        <Code>{entry.action}</Code>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {entry.target_type}
          {entry.target_id && " "}
          {targetName ? (
            <Text span size="sm" fw={500} title={entry.target_id ?? undefined}>
              {targetName}
            </Text>
          ) : (
            entry.target_id && <Code>{entry.target_id}</Code>
          )}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** "Verify chain": the server recomputes every row's hash and link. */
function VerifyChain() {
  const verification = useAuditStore((s) => s.verification);
  const verifying = useAuditStore((s) => s.verifying);
  const verifyError = useAuditStore((s) => s.verifyError);
  return (
    <Group gap="sm">
      {verification && (
        <Text size="sm" role="status" c={verification.ok ? "teal" : "red"}>
          {verification.ok
            ? `Chain verified: ${verification.rows} rows intact.`
            : `Row ${verification.first_bad_seq} does not verify (${verification.rows} rows walked).`}
        </Text>
      )}
      {verifyError && (
        <Text size="sm" c="red" role="alert">
          {verifyError}
        </Text>
      )}
      <Button
        variant="light"
        size="xs"
        leftSection={<IconShieldCheck size={16} />}
        loading={verifying}
        onClick={() => void useAuditStore.getState().verify()}
      >
        Verify chain
      </Button>
    </Group>
  );
}
