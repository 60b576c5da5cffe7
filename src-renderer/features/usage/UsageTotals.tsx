import { Paper, SimpleGrid, Text } from "@mantine/core";
import type { UsageTotalsDto } from "@contract";
import { formatMoney } from "../../lib/formatMoney";
import { formatCount } from "./requestLogView";

interface StatProps {
  label: string;
  value: string;
  detail?: string;
}

/** One number with its label; a named group, so it is found (and read) by its label. */
function Stat({ label, value, detail }: StatProps) {
  return (
    <Paper withBorder p="md" role="group" aria-label={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-stat="value">
        {value}
      </Text>
      {detail && (
        <Text size="xs" c="dimmed">
          {detail}
        </Text>
      )}
    </Paper>
  );
}

/** Settled requests, tokens and cost over the range, and what is running now. */
export function UsageTotals({ totals }: { totals?: UsageTotalsDto }) {
  const t = totals;
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }} spacing="md">
      <Stat
        label="Requests"
        value={t ? formatCount(t.requests) : "—"}
        detail={
          t && t.estimated_requests > 0
            ? `${formatCount(t.estimated_requests)} estimated`
            : undefined
        }
      />
      <Stat
        label="Tokens"
        value={t ? formatCount(t.prompt_tokens + t.completion_tokens) : "—"}
        detail={
          t
            ? `${formatCount(t.prompt_tokens)} prompt · ${formatCount(t.completion_tokens)} completion`
            : undefined
        }
      />
      <Stat
        label="Cost"
        value={t ? formatMoney(t.cost_micros) : "—"}
        detail={
          t && t.cached_tokens > 0 ? `${formatCount(t.cached_tokens)} cached tokens` : undefined
        }
      />
      <Stat
        label="In flight"
        value={t ? formatCount(t.in_flight_requests) : "—"}
        detail={
          t && t.in_flight_requests > 0 ? `holding ${formatMoney(t.reserved_micros)}` : undefined
        }
      />
    </SimpleGrid>
  );
}
