import type { ServerDto } from "@contract";
import { Card, Code, SimpleGrid, Table, Text, Title } from "@mantine/core";

/** Who is connected right now: connections per address, requests per member, event streams. */
export function ClientsCard({ server }: { server: ServerDto }) {
  const { clients, in_flight } = server;
  return (
    <Card withBorder component="section" aria-labelledby="clients-title">
      <Title order={3} size="h4" id="clients-title" mb={4}>
        Connected clients
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {plural(clients.sockets, "open connection")} · {plural(in_flight.requests, "request")} in
        flight · {plural(clients.event_subscribers, "live event stream")}
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Table aria-label="Connections by address">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Address</Table.Th>
              <Table.Th scope="col" ta="right">
                Connections
              </Table.Th>
              <Table.Th scope="col" ta="right">
                In flight
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {clients.by_address.map((a) => (
              <Table.Tr key={a.address}>
                <Table.Td>
                  <Code>{a.address}</Code>
                </Table.Td>
                <Table.Td ta="right">{a.sockets}</Table.Td>
                <Table.Td ta="right">{a.in_flight}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {in_flight.by_member.length === 0 ? (
          <Text size="sm" c="dimmed">
            No /v1 request is running.
          </Text>
        ) : (
          <Table aria-label="Requests in flight by member">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Member</Table.Th>
                <Table.Th scope="col" ta="right">
                  Requests
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {in_flight.by_member.map((m) => (
                <Table.Tr key={m.member_id}>
                  <Table.Td>{m.name ?? m.member_id}</Table.Td>
                  <Table.Td ta="right">{m.requests}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </SimpleGrid>
    </Card>
  );
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
