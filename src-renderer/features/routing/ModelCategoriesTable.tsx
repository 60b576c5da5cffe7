import type { ModelCategoriesDto } from "@contract";
import { Badge, Group, MultiSelect, Paper, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { errorText } from "../members/errorText";

export interface ModelCategoriesTableProps {
  localModels: string[];
  pools: string[];
  categories: string[];
  /** What the server holds; a model without an entry has no category. */
  modelCategories: ModelCategoriesDto[];
  canWrite: boolean;
  save: (model: string, categories: string[]) => Promise<unknown>;
}

/**
 * The categories of each local model and pool (aliases carry theirs in the alias): a member
 * allowed a category may call every model in it. Each change is saved at once.
 */
export function ModelCategoriesTable(p: ModelCategoriesTableProps) {
  const [saving, setSaving] = useState<string>();
  const held = new Map(p.modelCategories.map((m) => [m.model, m.categories]));
  const rows = [
    ...p.localModels.map((id) => ({ id, kind: "Local model" })),
    ...p.pools.map((id) => ({ id, kind: "Pool" })),
  ];

  async function change(model: string, categories: string[]) {
    setSaving(model);
    try {
      await p.save(model, categories);
    } catch (err) {
      notifications.show({ color: "red", title: "Not saved", message: errorText(err) });
    } finally {
      setSaving(undefined);
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="model-categories-title">
      <Title order={2} size="h4" id="model-categories-title">
        Categories of models and pools
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Access by category: a member allowed a category may call every model and pool in it.
      </Text>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No local models or pools yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table striped aria-label="Categories of models and pools">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Model id</Table.Th>
                <Table.Th scope="col">Categories</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map(({ id, kind }) => {
                const value = held.get(id) ?? [];
                return (
                  <Table.Tr key={id} data-model={id}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Text size="sm" ff="monospace">
                          {id}
                        </Text>
                        <Badge size="xs" variant="outline" color="gray" tt="none">
                          {kind}
                        </Badge>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <MultiSelect
                        aria-label={`Categories of ${id}`}
                        data={[...new Set([...p.categories, ...value])]}
                        value={value}
                        onChange={(v) => void change(id, v)}
                        disabled={!p.canWrite || saving === id}
                        placeholder={p.canWrite && value.length === 0 ? "None" : undefined}
                        size="xs"
                        comboboxProps={{ withinPortal: true }}
                      />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
