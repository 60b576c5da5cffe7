import type { ConnectionDto, ConnectionKeyDto } from "@contract";
import { Alert, Badge, Button, Group, Stack, Table, Text } from "@mantine/core";
import { IconKey } from "@tabler/icons-react";
import { useState } from "react";
import { describeError } from "../../api/ApiRequestError";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { AddKeyForm } from "./AddKeyForm";

const STATUS_COLORS: Record<ConnectionKeyDto["status"], string> = {
  active: "teal",
  disabled: "red",
  exhausted: "orange",
  deleted: "gray",
};

/** A key's status as a sentence: the server's reason for a disabled or exhausted one. */
function statusText(k: ConnectionKeyDto): string {
  if (k.status === "active") return "In use";
  return k.status_reason ? `${k.status_reason}` : k.status;
}

/**
 * The connection's provider keys: label, `…last4` (the server never sends more), status with
 * its reason (e.g. refused by the upstream with 401), and disable / re-enable / delete.
 */
export function KeysSection({
  connection,
  canWrite,
}: {
  connection: ConnectionDto;
  canWrite: boolean;
}) {
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState<string>();

  async function act(keyId: string, run: () => Promise<unknown>) {
    setBusy(keyId);
    setError(undefined);
    try {
      await run();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(undefined);
      setConfirmDelete(undefined);
    }
  }
  const store = useConnectionsStore.getState;

  return (
    <Stack gap="sm">
      {connection.keys.length === 0 ? (
        <Text c="dimmed" size="sm">
          No keys yet: requests cannot reach this provider until you add one.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={620}>
          <Table aria-label="Provider keys">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Label</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Why</Table.Th>
                {canWrite && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {connection.keys.map((k) => (
                <Table.Tr key={k.id} data-key-id={k.id}>
                  <Table.Td>{k.label}</Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {k.last4 ? `…${k.last4}` : "(short key, not shown)"}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={STATUS_COLORS[k.status]}>
                      {k.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={k.status === "active" ? "dimmed" : undefined}>
                      {statusText(k)}
                    </Text>
                  </Table.Td>
                  {canWrite && (
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        {k.status === "active" ? (
                          <Button
                            size="xs"
                            variant="default"
                            loading={busy === k.id}
                            aria-label={`Disable key ${k.label}`}
                            onClick={() => act(k.id, () => store().setKeyStatus(k.id, "disabled"))}
                          >
                            Disable
                          </Button>
                        ) : (
                          <Button
                            size="xs"
                            variant="light"
                            loading={busy === k.id}
                            aria-label={`Re-enable key ${k.label}`}
                            onClick={() => act(k.id, () => store().setKeyStatus(k.id, "active"))}
                          >
                            Re-enable
                          </Button>
                        )}
                        {confirmDelete === k.id ? (
                          <Button
                            size="xs"
                            color="red"
                            loading={busy === k.id}
                            aria-label={`Confirm deleting key ${k.label}`}
                            onClick={() => act(k.id, () => store().deleteKey(k.id))}
                          >
                            Really delete?
                          </Button>
                        ) : (
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            aria-label={`Delete key ${k.label}`}
                            onClick={() => setConfirmDelete(k.id)}
                          >
                            Delete
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {error && (
        <Alert color="red" title="Not changed">
          {error}
        </Alert>
      )}
      {canWrite &&
        (adding ? (
          <AddKeyForm connectionId={connection.id} onDone={() => setAdding(false)} />
        ) : (
          <Group>
            <Button
              variant="light"
              leftSection={<IconKey size={16} />}
              onClick={() => setAdding(true)}
            >
              Add key
            </Button>
          </Group>
        ))}
    </Stack>
  );
}
