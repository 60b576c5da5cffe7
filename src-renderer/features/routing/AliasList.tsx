import type { AliasDto } from "@contract";
import { Badge, Button, Group, Paper, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { errorText } from "../members/errorText";
import { AliasEditor } from "./AliasEditor";

export interface AliasListProps {
  aliases: AliasDto[];
  ids: { localModels: string[]; pools: string[]; aliases: string[] };
  categories: string[];
  canWrite: boolean;
  save: (
    id: string,
    body: { description: string; targets: string[]; categories: string[] },
  ) => Promise<unknown>;
  remove: (id: string) => Promise<void>;
}

/** Every alias: the model id clients call, its fallback chain and its categories. */
export function AliasList(p: AliasListProps) {
  // undefined: no dialog; null: creating; an id: that alias.
  const [editing, setEditing] = useState<string | null>();
  const [confirming, setConfirming] = useState<string>();
  const edited = editing ? p.aliases.find((a) => a.id === editing) : undefined;

  async function remove(id: string) {
    try {
      await p.remove(id);
      notifications.show({ message: `Alias ${id} deleted.` });
    } catch (err) {
      notifications.show({ color: "red", title: "Not deleted", message: errorText(err) });
    } finally {
      setConfirming(undefined);
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="aliases-title">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={2} size="h4" id="aliases-title">
            Aliases
          </Title>
          <Text size="sm" c="dimmed">
            Model ids that try their targets in order: local models, pools or other aliases.
          </Text>
        </div>
        {p.canWrite && (
          <Button
            variant="light"
            leftSection={<IconPlus size={16} />}
            onClick={() => setEditing(null)}
          >
            New alias
          </Button>
        )}
      </Group>
      {p.aliases.length === 0 ? (
        <Text size="sm" c="dimmed">
          No aliases yet. An alias such as lab-default lets members call one name while you change
          what serves it, with a fallback when the first choice is busy or down.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped aria-label="Aliases">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Model id</Table.Th>
                <Table.Th scope="col">Targets, in order</Table.Th>
                <Table.Th scope="col">Categories</Table.Th>
                <Table.Th scope="col" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {p.aliases.map((a) => (
                <Table.Tr key={a.id} data-alias={a.id}>
                  <Table.Td>
                    <Text size="sm" ff="monospace" fw={500}>
                      {a.id}
                    </Text>
                    {a.description && (
                      <Text size="xs" c="dimmed">
                        {a.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {a.targets.join(" → ")}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {a.categories.length === 0 ? (
                        <Text size="sm" c="dimmed">
                          —
                        </Text>
                      ) : (
                        a.categories.map((c) => (
                          <Badge key={c} size="sm" variant="light" tt="none">
                            {c}
                          </Badge>
                        ))
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="subtle" onClick={() => setEditing(a.id)}>
                        {p.canWrite ? "Edit" : "View"}
                      </Button>
                      {p.canWrite && (
                        <Button
                          size="xs"
                          color="red"
                          variant={confirming === a.id ? "filled" : "subtle"}
                          aria-label={
                            confirming === a.id ? `Really delete ${a.id}?` : `Delete ${a.id}`
                          }
                          onClick={() =>
                            confirming === a.id ? void remove(a.id) : setConfirming(a.id)
                          }
                        >
                          {confirming === a.id ? "Really delete?" : "Delete"}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing !== undefined && (
        <AliasEditor
          key={editing ?? "new"}
          alias={edited}
          ids={p.ids}
          categories={p.categories}
          save={p.save}
          readOnly={!p.canWrite}
          onClose={() => setEditing(undefined)}
        />
      )}
    </Paper>
  );
}
