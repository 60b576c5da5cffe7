import type { GuardSummaryDto } from "@contract";
import { Anchor, Group, Paper, Table, Text, Title } from "@mantine/core";
import { guardSummaryRows } from "../guard/guardView";

/**
 * What the guard found and did over the page's range (`GET /usage/guard`): counts only, never a
 * value. Refused requests (`pii_blocked`) are never admitted, so they are not counted here.
 */
export function GuardSummaryCard({
  summary,
  staff,
}: {
  summary?: GuardSummaryDto;
  /** Staff get a link to the Guardrails page, where policies are set. */
  staff: boolean;
}) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-guard-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="usage-guard-title">
          Guardrails
        </Title>
        {staff && (
          <Anchor href="#/guard" size="sm">
            Policies
          </Anchor>
        )}
      </Group>
      {!summary ? (
        <Text size="sm" c="dimmed">
          —
        </Text>
      ) : summary.requests === 0 ? (
        <Text size="sm" c="dimmed">
          No request was checked in this range.
        </Text>
      ) : (
        <Table aria-label="Guard counts" verticalSpacing={2} maw={560}>
          <Table.Tbody>
            {guardSummaryRows(summary).map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th scope="row" fw={500} w={220}>
                  {label}
                </Table.Th>
                <Table.Td>{value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
