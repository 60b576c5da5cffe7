import { Button, Paper, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import type { UsageSessionDto } from "@contract";
import { formatMoney } from "../../lib/formatMoney";
import { formatCount, shortSession } from "./requestLogView";

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

interface SessionsTableProps {
  sessions: UsageSessionDto[];
  hasMore: boolean;
  staff: boolean;
  memberNames: Record<string, string>;
  /** Narrows the request log to one session. */
  onShowRequests: (sessionId: string) => void;
}

/**
 * What each client session cost in the range (`GET /usage/sessions`): a session is one agent
 * task as its client names it (Claude Code's session id, or `x-session-id`), the most recently
 * active first. Requests without a session id are not here.
 */
export function SessionsTable({
  sessions,
  hasMore,
  staff,
  memberNames,
  onShowRequests,
}: SessionsTableProps) {
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs" id="usage-sessions-title">
        Sessions
      </Title>
      {sessions.length === 0 ? (
        <Text size="sm" c="dimmed">
          No requests with a session id in this range. Claude Code sends one with every request;
          other clients may send an <code>x-session-id</code> header.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-labelledby="usage-sessions-title" striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Session</Table.Th>
                {staff && <Table.Th scope="col">Member</Table.Th>}
                <Table.Th scope="col">Models</Table.Th>
                <Table.Th scope="col" ta="right">
                  Requests
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Tokens in / out
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Cost
                </Table.Th>
                <Table.Th scope="col">First · last seen</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.map((s) => (
                <Table.Tr key={`${s.member_id}/${s.session_id}`} data-session-id={s.session_id}>
                  <Table.Td>
                    <Text size="sm" ff="monospace" title={s.session_id}>
                      {shortSession(s.session_id)}
                    </Text>
                  </Table.Td>
                  {staff && <Table.Td>{memberNames[s.member_id] ?? s.member_id}</Table.Td>}
                  <Table.Td>
                    <Text size="sm" truncate="end" maw={220} title={s.models.join(", ")}>
                      {s.models.join(", ")}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    {formatCount(s.requests)}
                    {s.in_flight_requests > 0 && (
                      <Text size="xs" c="dimmed">
                        +{formatCount(s.in_flight_requests)} running
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    {formatCount(s.prompt_tokens)} / {formatCount(s.completion_tokens)}
                  </Table.Td>
                  <Table.Td ta="right">{formatMoney(s.cost_micros)}</Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {timeFormat.format(s.first_ms)} · {timeFormat.format(s.last_ms)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => onShowRequests(s.session_id)}
                      aria-label={`Show the requests of session ${s.session_id}`}
                    >
                      Requests
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {hasMore && (
        <Text size="xs" c="dimmed" mt="xs">
          Only the {sessions.length} most recently active sessions are listed.
        </Text>
      )}
    </Paper>
  );
}
