import { Paper, SimpleGrid, Table, Text, Title } from "@mantine/core";
import type { UsagePageDto } from "@contract";
import { useMemo } from "react";
import { formatMoney } from "../../lib/formatMoney";
import { formatCount } from "./requestLogView";
import { topRows, type TopRow } from "./usageSeries";

function TopTable({
  title,
  rows,
  nameOf,
}: {
  title: string;
  rows: TopRow[];
  nameOf: (key: string) => string;
}) {
  const id = `top-${title.toLowerCase().replaceAll(" ", "-")}`;
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs" id={id}>
        {title}
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No settled requests in this range.
        </Text>
      ) : (
        <Table aria-labelledby={id} striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col" ta="right">
                Requests
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Tokens
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Cost
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.key}>
                <Table.Td>
                  <Text size="sm" truncate="end" maw={260} title={r.key}>
                    {nameOf(r.key)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">{formatCount(r.requests)}</Table.Td>
                <Table.Td ta="right">{formatCount(r.prompt_tokens + r.completion_tokens)}</Table.Td>
                <Table.Td ta="right">{formatMoney(r.cost_micros)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

/** The members (staff only) and models that used the most over the range. */
export function TopTables({
  page,
  staff,
  memberNames,
}: {
  page?: UsagePageDto;
  staff: boolean;
  memberNames: Record<string, string>;
}) {
  const members = useMemo(() => (page ? topRows(page, "member") : []), [page]);
  const models = useMemo(() => (page ? topRows(page, "model") : []), [page]);
  return (
    <SimpleGrid cols={{ base: 1, md: staff ? 2 : 1 }} spacing="md">
      {staff && <TopTable title="Top members" rows={members} nameOf={(k) => memberNames[k] ?? k} />}
      <TopTable title="Top models" rows={models} nameOf={(k) => k} />
    </SimpleGrid>
  );
}
