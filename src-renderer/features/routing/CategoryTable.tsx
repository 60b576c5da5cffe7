import type { CategoryDto } from "@contract";
import { Badge, Button, Code, Group, Paper, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { errorText } from "../members/errorText";
import { CategoryEditor } from "./CategoryEditor";

export interface CategoryTableProps {
  categories: CategoryDto[];
  targets: { group: string; items: string[] }[];
  defaultTargetLabel: string;
  defaultCategory: string;
  canWrite: boolean;
  save: (
    name: string,
    body: { description: string; examples: string[]; target: string | null },
  ) => Promise<unknown>;
  remove: (name: string) => Promise<void>;
}

/**
 * The route table: each category, what it is for, how many example prompts it has and where
 * `auto` sends it. Built-in categories can be changed but not deleted; the lab's own can be.
 */
export function CategoryTable(p: CategoryTableProps) {
  // undefined: no dialog; null: adding; a name: editing that one.
  const [editing, setEditing] = useState<string | null>();
  const [confirming, setConfirming] = useState<string>();
  const edited = editing ? p.categories.find((c) => c.name === editing) : undefined;

  async function remove(name: string) {
    try {
      await p.remove(name);
      notifications.show({ message: `Category ${name} deleted.` });
    } catch (err) {
      notifications.show({ color: "red", title: "Not deleted", message: errorText(err) });
    } finally {
      setConfirming(undefined);
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="route-table-title">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={2} size="h4" id="route-table-title">
            Route table
          </Title>
          <Text size="sm" c="dimmed">
            The categories <Code>auto</Code> classifies into, and where each one goes.
          </Text>
        </div>
        {p.canWrite && (
          <Button
            variant="light"
            leftSection={<IconPlus size={16} />}
            onClick={() => setEditing(null)}
          >
            New category
          </Button>
        )}
      </Group>
      <Table.ScrollContainer minWidth={720}>
        <Table striped aria-label="Route table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Category</Table.Th>
              <Table.Th scope="col">Description</Table.Th>
              <Table.Th scope="col">Examples</Table.Th>
              <Table.Th scope="col">Target</Table.Th>
              <Table.Th scope="col" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {p.categories.map((c) => (
              <Table.Tr key={c.name} data-category={c.name}>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" ff="monospace" fw={500}>
                      {c.name}
                    </Text>
                    {c.name === p.defaultCategory && (
                      <Badge size="xs" variant="light">
                        default
                      </Badge>
                    )}
                    {!c.builtin && (
                      <Badge size="xs" variant="outline" color="gray">
                        own
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2}>
                    {c.description || "—"}
                  </Text>
                </Table.Td>
                <Table.Td>{c.examples.length}</Table.Td>
                <Table.Td>
                  <Text
                    size="sm"
                    ff={c.target ? "monospace" : undefined}
                    c={c.target ? undefined : "dimmed"}
                  >
                    {c.target ?? `default (${p.defaultTargetLabel})`}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    <Button size="xs" variant="subtle" onClick={() => setEditing(c.name)}>
                      {p.canWrite ? "Edit" : "View"}
                    </Button>
                    {p.canWrite && !c.builtin && (
                      <Button
                        size="xs"
                        color="red"
                        variant={confirming === c.name ? "filled" : "subtle"}
                        aria-label={
                          confirming === c.name ? `Really delete ${c.name}?` : `Delete ${c.name}`
                        }
                        onClick={() =>
                          confirming === c.name ? void remove(c.name) : setConfirming(c.name)
                        }
                      >
                        {confirming === c.name ? "Really delete?" : "Delete"}
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {editing !== undefined && (
        <CategoryEditor
          key={editing ?? "new"}
          category={edited}
          targets={p.targets}
          defaultTargetLabel={p.defaultTargetLabel}
          save={p.save}
          readOnly={!p.canWrite}
          onClose={() => setEditing(undefined)}
        />
      )}
    </Paper>
  );
}
