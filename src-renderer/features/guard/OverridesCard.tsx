import { AUTO_MODEL, type GuardPolicyDto, type PutGuardPolicyBody } from "@contract";
import { Badge, Button, Code, Group, Paper, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import type { GuardMember } from "../../stores/useGuardStore";
import { errorText } from "../members/errorText";
import { MODE_LABELS, typesText } from "./guardView";
import { PolicyEditor } from "./PolicyEditor";

export interface OverridesCardProps {
  members: GuardPolicyDto[];
  models: GuardPolicyDto[];
  memberList: GuardMember[];
  /** Members whose policy the signed-in person may change (admins: not the owner, not admins). */
  changeable: (m: GuardMember) => boolean;
  ids: { localModels: string[]; pools: string[]; aliases: string[] };
  orgKeepLocal: string | null;
  canWrite: boolean;
  saveMember: (id: string, body: PutGuardPolicyBody) => Promise<unknown>;
  deleteMember: (id: string) => Promise<void>;
  saveModel: (id: string, body: PutGuardPolicyBody) => Promise<unknown>;
  deleteModel: (id: string) => Promise<void>;
}

type Editing = { scope: "member" | "model"; id: string | null } | undefined;

/** What a model policy is set on: a local model, a pool, an alias or `auto`. */
function kindOf(id: string, ids: OverridesCardProps["ids"]): string {
  if (id === AUTO_MODEL) return "auto routing";
  if (ids.localModels.includes(id)) return "local model";
  if (ids.pools.includes(id)) return "pool";
  if (ids.aliases.includes(id)) return "alias";
  return "gone";
}

/**
 * Policies that override the org's: per member, and per model, pool or alias. The precedence is
 * the server's (src-main/guard/policies.ts), stated once above the tables.
 */
export function OverridesCard(p: OverridesCardProps) {
  const [editing, setEditing] = useState<Editing>();
  const [confirming, setConfirming] = useState<string>();
  const names = Object.fromEntries(p.memberList.map((m) => [m.id, m.name]));
  const memberById = Object.fromEntries(p.memberList.map((m) => [m.id, m]));

  async function remove(scope: "member" | "model", id: string, label: string) {
    try {
      await (scope === "member" ? p.deleteMember(id) : p.deleteModel(id));
      notifications.show({ message: `Policy of ${label} removed: the next one in line applies.` });
    } catch (err) {
      notifications.show({ color: "red", title: "Not removed", message: errorText(err) });
    } finally {
      setConfirming(undefined);
    }
  }

  const rows = (scope: "member" | "model", list: GuardPolicyDto[]) =>
    list.map((pol) => {
      const id = pol.scope_id!;
      const label = scope === "member" ? (names[id] ?? id) : id;
      const key = `${scope}:${id}`;
      const member = memberById[id];
      const writable = p.canWrite && (scope === "model" || (member ? p.changeable(member) : false));
      return (
        <Table.Tr key={key} data-policy={key}>
          <Table.Td>
            <Text size="sm" fw={500} ff={scope === "model" ? "monospace" : undefined}>
              {label}
            </Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm" c="dimmed">
              {scope === "member" ? "member" : kindOf(id, p.ids)}
            </Text>
          </Table.Td>
          <Table.Td>
            <Badge variant="light" size="sm" tt="none">
              {MODE_LABELS[pol.pii_mode]}
            </Badge>
          </Table.Td>
          <Table.Td>
            <Text size="sm">{typesText(pol.pii_types)}</Text>
          </Table.Td>
          <Table.Td>
            <Text size="sm">
              {pol.apply_local ? "local too" : "remote only"}
              {pol.pii_mode === "keep-local" &&
                ` · keeps on ${pol.keep_local_model ?? `${p.orgKeepLocal ?? "—"} (org's)`}`}
            </Text>
          </Table.Td>
          <Table.Td>
            <Group gap={4} justify="flex-end" wrap="nowrap">
              <Button size="xs" variant="subtle" onClick={() => setEditing({ scope, id })}>
                {writable ? "Edit" : "View"}
              </Button>
              {writable && (
                <Button
                  size="xs"
                  color="red"
                  variant={confirming === key ? "filled" : "subtle"}
                  aria-label={
                    confirming === key
                      ? `Really remove the policy of ${label}?`
                      : `Remove the policy of ${label}`
                  }
                  onClick={() =>
                    confirming === key ? void remove(scope, id, label) : setConfirming(key)
                  }
                >
                  {confirming === key ? "Really remove?" : "Remove"}
                </Button>
              )}
            </Group>
          </Table.Td>
        </Table.Tr>
      );
    });

  const table = (scope: "member" | "model", list: GuardPolicyDto[], caption: string) =>
    list.length === 0 ? (
      <Text size="sm" c="dimmed">
        {scope === "member" ? "No member has a policy of their own." : "No model has a policy."}
      </Text>
    ) : (
      <Table.ScrollContainer minWidth={640}>
        <Table striped aria-label={caption}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{scope === "member" ? "Member" : "Model id"}</Table.Th>
              <Table.Th scope="col">Scope</Table.Th>
              <Table.Th scope="col">Mode</Table.Th>
              <Table.Th scope="col">Types</Table.Th>
              <Table.Th scope="col">Applies to</Table.Th>
              <Table.Th scope="col" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>{rows(scope, list)}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );

  const edited =
    editing?.id != null
      ? (editing.scope === "member" ? p.members : p.models).find((x) => x.scope_id === editing.id)
      : undefined;
  const taken = new Set([...p.members, ...p.models].map((x) => `${x.scope}:${x.scope_id}`));
  const memberChoices = p.memberList
    .filter((m) => p.changeable(m) && !taken.has(`member:${m.id}`))
    .map((m) => ({ value: m.id, label: `${m.name} (${m.role})` }));
  const modelChoices = [
    { group: "Routing", items: [AUTO_MODEL] },
    { group: "Local models", items: p.ids.localModels },
    { group: "Pools", items: p.ids.pools },
    { group: "Aliases", items: p.ids.aliases },
  ]
    .map((g) => ({ ...g, items: g.items.filter((id) => !taken.has(`model:${id}`)) }))
    .filter((g) => g.items.length > 0);
  const editedWritable =
    p.canWrite &&
    (editing?.scope === "model" ||
      editing?.id == null ||
      (memberById[editing.id] ? p.changeable(memberById[editing.id]!) : false));

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="overrides-title">
      <Title order={2} size="h4" id="overrides-title">
        Overrides
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        A model&apos;s policy wins over a member&apos;s, which wins over the org&apos;s. A model
        policy on an alias or <Code>auto</Code> applies to what they route to, unless that target
        has its own.
      </Text>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5">
          Members
        </Title>
        {p.canWrite && (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            onClick={() => setEditing({ scope: "member", id: null })}
          >
            Add member policy
          </Button>
        )}
      </Group>
      {table("member", p.members, "Member policies")}
      <Group justify="space-between" mb="xs" mt="md">
        <Title order={3} size="h5">
          Models, pools and aliases
        </Title>
        {p.canWrite && (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            onClick={() => setEditing({ scope: "model", id: null })}
          >
            Add model policy
          </Button>
        )}
      </Group>
      {table("model", p.models, "Model policies")}
      {editing && (
        <PolicyEditor
          key={`${editing.scope}:${editing.id ?? "new"}`}
          scope={editing.scope}
          policy={edited}
          title={
            editing.scope === "member"
              ? `Policy of ${names[editing.id ?? ""] ?? editing.id}`
              : `Policy of ${editing.id}`
          }
          choices={editing.scope === "member" ? memberChoices : modelChoices}
          localModels={p.ids.localModels}
          orgKeepLocal={p.orgKeepLocal}
          readOnly={!editedWritable}
          save={editing.scope === "member" ? p.saveMember : p.saveModel}
          onClose={() => setEditing(undefined)}
        />
      )}
    </Paper>
  );
}
