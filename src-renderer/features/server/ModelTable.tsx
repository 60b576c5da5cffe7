import type { ModelDto } from "@contract";
import { Card, Code, Group, Table, Text, Title } from "@mantine/core";

interface ModelTableProps {
  models: ModelDto[];
  /** Why the list could not be read; replaces the table. */
  error?: string;
  /** False until the first answer, so "no models" is not claimed too early. */
  loaded: boolean;
}

/** What `GET /v1/models` lists: the names clients pass as `model`. */
export function ModelTable({ models, error, loaded }: ModelTableProps) {
  return (
    <Card withBorder component="section" aria-labelledby="models-title">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4" id="models-title">
          Models
        </Title>
        {loaded && !error && (
          <Text size="sm" c="dimmed">
            {models.length} available
          </Text>
        )}
      </Group>
      {error ? (
        <Text c="dimmed">Could not list models: {error}</Text>
      ) : !loaded ? (
        <Text c="dimmed">Waiting for the server…</Text>
      ) : models.length === 0 ? (
        <Text c="dimmed">
          No models yet. Put <Code>.gguf</Code> files in the models folder of Benchtop&apos;s data
          directory.
        </Text>
      ) : (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">ID</Table.Th>
              <Table.Th scope="col">Owned by</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {models.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>
                  <Code>{m.id}</Code>
                </Table.Td>
                <Table.Td>{m.owned_by}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
