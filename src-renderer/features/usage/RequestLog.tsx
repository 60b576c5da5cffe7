import type { RequestBodyDto, RequestLogEntryDto } from "@contract";
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Paper,
  Table,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconChevronLeft, IconChevronRight, IconDownload, IconEye } from "@tabler/icons-react";
import { useState } from "react";
import { describeError } from "../../api/ApiRequestError";
import { formatMoney } from "../../lib/formatMoney";
import type { RequestLogState } from "../../stores/useUsageStore";
import { guardBadges } from "../guard/guardView";
import { BodyModal } from "./BodyModal";
import { RequestLogFilters } from "./RequestLogFilters";
import {
  formatCount,
  formatMs,
  providerLabel,
  routeView,
  rowStatus,
  shortSession,
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
  /** Client session ids active in the range. */
  sessions: string[];
  onFilters: (change: Partial<LogFilters>) => void;
  onNext: () => void;
  onPrev: () => void;
  exportCsv: () => Promise<{ blob: Blob; filename: string }>;
  exportAudit: (format: "jsonl" | "csv") => Promise<{ blob: Blob; filename: string }>;
  /** Whether the signed-in person may open this row's retained body (owner, admins: any). */
  canReadBody: (r: RequestLogEntryDto) => boolean;
  readBody: (usageId: string) => Promise<RequestBodyDto>;
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
  const [exporting, setExporting] = useState<string>();
  const [viewing, setViewing] = useState<string>();
  const members = staff
    ? Object.entries(p.memberNames).sort((a, b) => a[1].localeCompare(b[1]))
    : undefined;
  const connections = [...new Set([...Object.keys(p.connectionNames), ...p.providers])]
    .map((id): [string, string] => [id, staff ? (p.connectionNames[id] ?? id) : id])
    .sort((a, b) => a[1].localeCompare(b[1]));

  /** One download at a time; each is fetched with the key in a header, then saved. */
  async function onExport(which: string, run: () => Promise<{ blob: Blob; filename: string }>) {
    setExporting(which);
    try {
      const { blob, filename } = await run();
      saveBlob(blob, filename);
    } catch (err) {
      notifications.show({ color: "red", title: "Export failed", message: describeError(err) });
    } finally {
      setExporting(undefined);
    }
  }

  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="usage-log-title">
          Request log
        </Title>
        <Group gap="xs">
          <Button
            size="xs"
            variant="light"
            leftSection={<IconDownload size={16} />}
            loading={exporting === "csv"}
            disabled={exporting !== undefined}
            onClick={() => void onExport("csv", p.exportCsv)}
          >
            Export CSV
          </Button>
          {/* The audit record: every attempt of the range (member filter only), with the guard's
              counts, the model version and the provider's declared region and retention. */}
          <Tooltip label="The audit record of the range (and member), as JSON Lines">
            <Button
              size="xs"
              variant="default"
              leftSection={<IconDownload size={16} />}
              loading={exporting === "audit-jsonl"}
              disabled={exporting !== undefined}
              onClick={() => void onExport("audit-jsonl", () => p.exportAudit("jsonl"))}
            >
              Audit JSONL
            </Button>
          </Tooltip>
          <Tooltip label="The audit record of the range (and member), as CSV">
            <Button
              size="xs"
              variant="default"
              leftSection={<IconDownload size={16} />}
              loading={exporting === "audit-csv"}
              disabled={exporting !== undefined}
              onClick={() => void onExport("audit-csv", () => p.exportAudit("csv"))}
            >
              Audit CSV
            </Button>
          </Tooltip>
        </Group>
      </Group>
      <RequestLogFilters
        filters={log.filters}
        onChange={p.onFilters}
        members={members}
        models={p.models}
        connections={staff ? connections : []}
        categories={p.categories}
        sessions={p.sessions}
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
              <Table.Th scope="col">Guard</Table.Th>
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
              const guard = guardBadges(r.guard);
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
                    {/* The client's session (Claude Code's id, x-session-id): filter by it. */}
                    {r.session_id !== null && (
                      <Text
                        size="xs"
                        c="dimmed"
                        ff="monospace"
                        truncate="end"
                        maw={220}
                        title={`Session ${r.session_id}`}
                        data-session
                      >
                        session {shortSession(r.session_id)}
                      </Text>
                    )}
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
                  <Table.Td>
                    {providerLabel(r.provider, staff ? p.connectionNames : {})}
                    {/* The version that served: a local file's hash, or the upstream's string. */}
                    {r.model_version && (
                      <Text
                        size="xs"
                        c="dimmed"
                        ff="monospace"
                        truncate="end"
                        maw={160}
                        title={r.model_version}
                        data-model-version
                      >
                        {r.model_version}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td style={NOWRAP}>
                    <Badge color={status.color} variant="light" size="sm">
                      {status.label}
                    </Badge>
                    {/* Beside the status, not a column of its own: the log must fit a laptop. */}
                    {r.body_retained && p.canReadBody(r) && (
                      <Tooltip label="View the retained request and answer">
                        <ActionIcon
                          size="sm"
                          variant="subtle"
                          ml={4}
                          aria-label={`View body of ${r.id}`}
                          onClick={() => setViewing(r.id)}
                        >
                          <IconEye size={14} />
                        </ActionIcon>
                      </Tooltip>
                    )}
                  </Table.Td>
                  <Table.Td data-guard>
                    {guard.length === 0 ? (
                      <Text size="sm" c="dimmed">
                        —
                      </Text>
                    ) : (
                      <Group gap={4}>
                        {guard.map((g) => (
                          <Badge
                            key={g.label}
                            color={g.color}
                            variant="light"
                            size="sm"
                            tt="none"
                            title={g.detail}
                          >
                            {g.label}
                          </Badge>
                        ))}
                      </Group>
                    )}
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
      {viewing && (
        <BodyModal usageId={viewing} read={p.readBody} onClose={() => setViewing(undefined)} />
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
