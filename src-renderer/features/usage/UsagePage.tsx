import { Alert, Group, Loader, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useEffect, useMemo } from "react";
import { useAuthStore } from "../../stores/useAuthStore";
import { useEventsStore } from "../../stores/useEventsStore";
import { useUsageStore } from "../../stores/useUsageStore";
import { GuardSummaryCard } from "./GuardSummaryCard";
import { LatencyTable } from "./LatencyTable";
import { RequestLog } from "./RequestLog";
import { SessionsTable } from "./SessionsTable";
import { throttle } from "./throttle";
import { TopTables } from "./TopTables";
import { UsageCharts } from "./UsageCharts";
import { UsageTotals } from "./UsageTotals";
import { RANGES, seenValues, type UsageRangeId } from "./usageSeries";

/** Live refreshes run at most this often, however many requests settle meanwhile. */
const LIVE_REFRESH_MS = 2000;

/**
 * Usage and cost over a day (hourly), week or month (daily): totals, stacked charts, top members
 * and models, latency percentiles, cost per client session and the request log. Staff see the whole lab; a member sees
 * only their own usage (the server scopes every query; the page offers no one else's filters).
 */
export function UsagePage() {
  const me = useAuthStore((s) => s.me);
  const s = useUsageStore();
  const staff = me ? me.role !== "member" : false;
  // Retained bodies: the owner and admins open any; everyone else (viewers too) their own.
  const readsEveryBody = me?.role === "owner" || me?.role === "admin";

  useEffect(() => {
    if (!me) return;
    void useUsageStore
      .getState()
      .start({ staff: me.role !== "member", memberId: me.id, name: me.name });
    return () => useUsageStore.getState().reset();
  }, [me]);

  // Settled requests arrive as `usage` events: refetch, throttled.
  useEffect(() => {
    const refresh = throttle(() => void useUsageStore.getState().refresh(), LIVE_REFRESH_MS);
    const stop = useEventsStore.getState().subscribe(["usage"], refresh);
    return () => {
      stop();
      refresh.cancel();
    };
  }, []);

  const seen = useMemo(() => seenValues(s.page), [s.page]);
  const models = useMemo(
    () => [...new Set([...seen.models, ...s.latency.map((l) => l.model)])],
    [seen, s.latency],
  );

  const sessionIds = useMemo(() => [...new Set(s.sessions.map((x) => x.session_id))], [s.sessions]);

  if (!me)
    return (
      <Group gap="sm">
        <Loader size="sm" aria-label="Loading" />
        <Text c="dimmed">Waiting for the server to say who you are…</Text>
      </Group>
    );

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Title order={1} size="h2">
            Usage
          </Title>
          <Text size="sm" c="dimmed">
            {staff ? "The whole lab" : "Your own requests"}
            {s.page ? ` · days in ${s.page.time_zone}` : ""}
          </Text>
        </div>
        <Group gap="xs">
          {s.loading && <Loader size="xs" aria-label="Loading usage" />}
          <Text size="sm" c="dimmed" id="usage-range-label">
            Range
          </Text>
          <SegmentedControl
            aria-labelledby="usage-range-label"
            value={s.range}
            onChange={(v) => void s.setRange(v as UsageRangeId)}
            data={Object.entries(RANGES).map(([value, r]) => ({ value, label: r.label }))}
          />
        </Group>
      </Group>
      {s.error && (
        <Alert color="red" title="Could not load usage">
          {s.error}
        </Alert>
      )}
      <UsageTotals totals={s.page?.totals} />
      <UsageCharts
        page={s.page}
        bucket={RANGES[s.range].bucket}
        stackBy={s.stackBy}
        onStackBy={s.setStackBy}
        staff={staff}
        memberNames={s.memberNames}
      />
      <TopTables page={s.page} staff={staff} memberNames={s.memberNames} />
      <LatencyTable latency={s.latency} />
      <GuardSummaryCard summary={s.guard} staff={staff} />
      <SessionsTable
        sessions={s.sessions}
        hasMore={s.sessionsHasMore}
        staff={staff}
        memberNames={s.memberNames}
        onShowRequests={(session) => void s.setLogFilters({ session })}
      />
      <RequestLog
        log={s.log}
        staff={staff}
        memberNames={s.memberNames}
        connectionNames={s.connectionNames}
        models={models}
        providers={seen.providers}
        categories={seen.categories}
        sessions={sessionIds}
        onFilters={(c) => void s.setLogFilters(c)}
        onNext={() => void s.nextLogPage()}
        onPrev={() => void s.prevLogPage()}
        exportCsv={s.exportCsv}
        exportAudit={s.exportAudit}
        canReadBody={(r) => readsEveryBody || r.member_id === me.id}
        readBody={s.readBody}
      />
    </Stack>
  );
}
