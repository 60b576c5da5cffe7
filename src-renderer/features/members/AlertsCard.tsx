import type { AlertDto, MemberStatusDto } from "@contract";
import { Badge, Card, Group, Table, Text, Title } from "@mantine/core";
import { formatMoney } from "../../lib/formatMoney";
import { currentAlerts } from "../../stores/memberQueries";
import { alertSummary } from "./alertText";

/** Spend alerts of this member; those of the current day or month are marked "now". */
export function AlertsCard({ alerts, status }: { alerts: AlertDto[]; status?: MemberStatusDto }) {
  const current = new Set(
    status ? currentAlerts(alerts, status.day, status.month).map((a) => a.id) : [],
  );
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="alerts-title">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4" id="alerts-title">
          Alerts
        </Title>
        {current.size > 0 && (
          <Badge color="red" variant="light">
            {current.size} now
          </Badge>
        )}
      </Group>
      {alerts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No alerts. One is raised when spend passes 80% and 100% of a cap, or credits run out.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label="Alerts" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Alert</Table.Th>
                <Table.Th ta="right">Spent</Table.Th>
                <Table.Th ta="right">Cap</Table.Th>
                <Table.Th>Raised</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {alerts.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Group gap="xs">
                      {alertSummary(a)}
                      {current.has(a.id) && (
                        <Badge color="red.9" size="xs">
                          now
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td ta="right">{formatMoney(a.spent_micros)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(a.cap_micros)}</Table.Td>
                  <Table.Td>{new Date(a.created_ms).toLocaleString()}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}
