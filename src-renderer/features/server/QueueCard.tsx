import type { ServerDto } from "@contract";
import { Badge, Card, Code, Progress, Table, Text, Title } from "@mantine/core";

/** Each loaded local model's sequences: how many generate now and how many requests wait. */
export function QueueCard({ server }: { server: ServerDto }) {
  const { models, max_queue } = server.engine;
  return (
    <Card withBorder component="section" aria-labelledby="queues-title">
      <Title order={3} size="h4" id="queues-title" mb={4}>
        Queues
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Members take turns on a model's sequences (fair queue: a flood from one member never pushes
        the others back). Each member may have {max_queue} requests waiting per model unless their
        limits say otherwise; beyond that, their next request gets 429.
      </Text>
      {models.length === 0 ? (
        <Text size="sm" c="dimmed">
          No local model is loaded. One loads on its first request.
        </Text>
      ) : (
        <Table aria-label="Queue depth per loaded model">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Model</Table.Th>
              <Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col">Busy sequences</Table.Th>
              <Table.Th scope="col" ta="right">
                Waiting
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {models.flatMap((m) => [
              <Table.Tr key={m.model}>
                <Table.Td>
                  <Code>{m.model}</Code>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={m.state === "ready" ? "green" : "yellow"}>
                    {m.state === "ready" ? "Ready" : "Loading"}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {m.busy_slots} of {m.slots}
                  </Text>
                  <Progress
                    value={m.slots ? (100 * m.busy_slots) / m.slots : 0}
                    size="sm"
                    aria-label={`${m.model}: ${m.busy_slots} of ${m.slots} sequences busy`}
                  />
                </Table.Td>
                <Table.Td ta="right">{m.queued}</Table.Td>
              </Table.Tr>,
              ...m.members.map((q) => (
                <Table.Tr key={`${m.model}/${q.member_id}`}>
                  <Table.Td pl="xl" colSpan={2}>
                    <Text size="sm" c="dimmed">
                      {q.name ?? (q.member_id || "anonymous")}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{q.held} held</Text>
                  </Table.Td>
                  <Table.Td ta="right">{q.queued}</Table.Td>
                </Table.Tr>
              )),
            ])}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
