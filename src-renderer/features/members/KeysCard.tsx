import type {
  ApiKeyDto,
  CreateKeyBody,
  CreatedKeyDto,
  EffectiveLimitsDto,
  MemberDto,
  MemberStatusDto,
  PriceDto,
} from "@contract";
import { Badge, Button, Card, Code, Group, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconKey } from "@tabler/icons-react";
import { useState } from "react";
import { ConfirmDialog } from "./ConfirmDialog";
import { CreateKeyModal } from "./CreateKeyModal";

export interface KeysCardProps {
  member: MemberDto;
  keys: ApiKeyDto[];
  /** Create and revoke keys (members: their own; viewers: never). */
  canManage: boolean;
  /** Models the member may call, best first: the key dialog's snippets name one. */
  models: string[];
  limits?: EffectiveLimitsDto;
  status?: MemberStatusDto;
  prices?: PriceDto[];
  staff?: boolean;
  onCreate: (body: CreateKeyBody) => Promise<CreatedKeyDto>;
  onRevoke: (keyId: string) => Promise<void>;
}

const STATUS_COLOR: Record<ApiKeyDto["status"], string> = {
  active: "teal",
  revoked: "gray",
  expired: "orange",
};

const when = (ms: number | null, none: string) =>
  ms === null ? none : new Date(ms).toLocaleString();

/** The member's keys as the API lists them: a name, `btk_abcd…wxyz`, never the key itself. */
export function KeysCard({
  member,
  keys,
  canManage,
  models,
  limits,
  status,
  prices,
  staff,
  onCreate,
  onRevoke,
}: KeysCardProps) {
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyDto>();
  const active = keys.filter((k) => k.status === "active").length;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="keys-title">
      <Group justify="space-between" mb="sm">
        <Group gap="xs">
          <Title order={3} size="h4" id="keys-title">
            API keys
          </Title>
          <Text size="sm" c="dimmed">
            {active} active
          </Text>
        </Group>
        {canManage && (
          <Button leftSection={<IconKey size={16} />} onClick={() => setCreating(true)}>
            Create key
          </Button>
        )}
      </Group>
      {keys.length === 0 ? (
        <Text size="sm" c="dimmed">
          No keys yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="API keys" verticalSpacing="xs" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.map((k) => (
                <Table.Tr key={k.id} data-key-id={k.id}>
                  <Table.Td>{k.name}</Table.Td>
                  <Table.Td>
                    <Code>{`${k.prefix}…${k.last4}`}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[k.status]} variant="light" tt="none">
                      {k.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{when(k.created_ms, "")}</Table.Td>
                  <Table.Td>{when(k.last_used_ms, "Never")}</Table.Td>
                  <Table.Td>{when(k.expires_ms, "Never")}</Table.Td>
                  <Table.Td ta="right">
                    {canManage && k.status === "active" && (
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        color="red"
                        onClick={() => setRevoking(k)}
                        aria-label={`Revoke key ${k.name}`}
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {creating && (
        <CreateKeyModal
          member={member}
          models={models}
          limits={limits}
          status={status}
          prices={prices}
          staff={staff}
          onCreate={onCreate}
          onClose={() => setCreating(false)}
        />
      )}
      <ConfirmDialog
        opened={revoking !== undefined}
        title="Revoke key"
        confirmLabel="Revoke key"
        onClose={() => setRevoking(undefined)}
        onConfirm={async () => {
          if (!revoking) return;
          await onRevoke(revoking.id);
          notifications.show({ message: `Key "${revoking.name}" revoked.` });
        }}
      >
        <Text size="sm">
          Revoke <b>{revoking?.name}</b> ({revoking ? `${revoking.prefix}…${revoking.last4}` : ""})?
          The next request with it is refused; anything using it needs a new key.
        </Text>
      </ConfirmDialog>
    </Card>
  );
}
