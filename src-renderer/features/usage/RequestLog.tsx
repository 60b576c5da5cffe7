import { Alert, Badge, Button, Group, Paper, Table, Text, Title, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconChevronLeft, IconChevronRight, IconDownload } from "@tabler/icons-react";
import { useState } from "react";
import { describeError } from "../../api/ApiRequestError";
import { formatMoney } from "../../lib/formatMoney";
import type { RequestLogState } from "../../stores/useUsageStore";
import { RequestLogFilters } from "./RequestLogFilters";
import {
  formatCount,
  formatMs,
  providerLabel,
  routeView,
  rowStatus,
  type LogFilters,
} from "./requestLogView";
import { saveBlob } from "./saveBlob";

interface RequestLogProps {
  log: RequestLogState;
  staff: boolean;
  memberNames: Record<string, string>;
  connectionNames: Record<string, string>;
  models: string[];
  /** Remote providers of record seen in the range (connection ids). */
  providers: string[];
  /** Route categories seen in the range. */
  categories: string[];
  onFilters: (change: Partial<LogFilters>) => void;
  onNext: () => void;
  onPrev: () => void;
  exportCsv: () => Promise<{ blob: Blob; filename: string }>;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/**
 * Times, numbers and badges stay on one line; names (member, provider) wrap, so the log fits
 * a laptop screen without scrolling sideways.
 */
const NOWRAP = { whiteSpace: "nowrap" } as const;

/** Every request attempt of the range, newest first, with filters, paging and a CSV export. */
export function RequestLog(p: RequestLogProps) {
  const { log, staff } = p;
  const [exporting, setExporting] = useState(false);
  const members = staff
    ? Object.entries(p.memberNames).sort((a, b) => a[1].localeCompare(b[1]))
    : undefined;
  const connections = [...new Set([...Object.keys(p.connectionNames), ...p.providers])]
    .map((id): [string, string] => [id, staff ? (p.connectionNames[id] ?? id) : id])
    .sort((a, b) => a[1].localeCompare(b[1]));

  async function onExport() {
    setExporting(true);
    try {
      const { blob, filename } = await p.exportCsv();
      saveBlob(blob, filename);
    } catch (err) {
      notifications.show({ color: "red", title: "Export failed", message: describeError(err) });
    } finally {
      setExporting(false);
    }
  }

  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="usage-log-title">
          Request log
        </Title>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconDownload size={16} />}
          loading={exporting}
          onClick={() => void onExport()}
        >
          Export CSV
        </Button>
      </Group>
      <RequestLogFilters
        filters={log.filters}
        onChange={p.onFilters}
        members={members}
        models={p.models}
        connections={staff ? connections : []}
        categories={p.categories}
      />
      {log.error && (
        <Alert color="red" mt="sm" title="Could not load the request log">
          {log.error}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={900} mt="sm">
        <Table aria-labelledby="usage-log-title" striped highlightOnHover aria-busy={log.loading}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Time</Table.Th>
              {staff && <Table.Th scope="col">Member</Table.Th>}
              <Table.Th scope="col">Model · route</Table.Th>
              <Table.Th scope="col">Provider</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col" ta="right">
                Tokens in / out
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Cost
              </Table.Th>
              <Table.Th scope="col" ta="right">
                TTFT
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Latency
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Attempt
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {log.rows.map((r) => {
              const status = rowStatus(r);
              const route = routeView(r);
              return (
                <Table.Tr key={r.id} data-request-id={r.id}>
                  <Table.Td style={NOWRAP}>
                    <Text size="sm" title={new Date(r.created_ms).toISOString()}>
                      {timeFormat.format(r.created_ms)}
                    </Text>
                  </Table.Td>
                  {staff && <Table.Td>{p.memberNames[r.member_id] ?? r.member_id}</Table.Td>}
                  <Table.Td>
                    <Text size="sm" truncate="end" maw={220} title={r.model}>
                      {r.model}
                    </Text>
                    {/* A routed request: where it went, how, and what it passed over first. */}
                    {route && (
                      <div data-route>
                        <Text size="xs" ff="monospace" truncate="end" maw={220} title={route.route}>
                          {route.route}
                        </Text>
                        {route.detail.map((d) => (
                          <Text key={d} size="xs" c="dimmed" maw={220}>
                            {d}
                          </Text>
                        ))}
                      </div>
                    )}
                  </Table.Td>
                  <Table.Td>{providerLabel(r.provider, staff ? p.connectionNames : {})}</Table.Td>
                  <Table.Td>
                    <Badge color={status.color} variant="light" size="sm">
                      {status.label}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right" style={NOWRAP}>
                    {formatCount(r.prompt_tokens)} / {formatCount(r.completion_tokens)}
                  </Table.Td>
                  <Table.Td ta="right" style={NOWRAP}>
                    {r.cost_micros === null ? "—" : formatMoney(r.cost_micros)}
                    {r.estimated && (
                      <Tooltip label="Tokens estimated: the provider reported no usage">
                        <Text span size="xs" c="dimmed">
                          {" "}
                          est.
                        </Text>
                      </Tooltip>
                    )}
                  </Table.Td>
                  <Table.Td ta="right" style={NOWRAP}>
                    {formatMs(r.ttft_ms)}
                  </Table.Td>
                  <Table.Td ta="right" style={NOWRAP}>
                    {formatMs(r.latency_ms)}
                  </Table.Td>
                  <Table.Td ta="right">{r.attempt}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!log.loading && log.rows.length === 0 && !log.error && (
        <Text size="sm" c="dimmed" mt="sm">
          No requests match.
        </Text>
      )}
      <Group justify="flex-end" gap="xs" mt="sm">
        <Text size="sm" c="dimmed" aria-live="polite">
          Page {log.cursors.length + 1}
        </Text>
        <Button
          size="xs"
          variant="default"
          leftSection={<IconChevronLeft size={16} />}
          disabled={log.cursors.length === 0 || log.loading}
          onClick={p.onPrev}
        >
          Previous
        </Button>
        <Button
          size="xs"
          variant="default"
          rightSection={<IconChevronRight size={16} />}
          disabled={!log.hasMore || log.loading}
          onClick={p.onNext}
        >
          Next
        </Button>
      </Group>
    </Paper>
  );
}
