import { Group, Progress, Stack, Text, Tooltip } from "@mantine/core";
import { formatMoney } from "../../lib/formatMoney";

/** Share of the cap at which the gauge turns yellow; the server alerts at 80% too. */
const WARN_PCT = 80;

export interface SpendGaugeProps {
  /** What is measured, e.g. "Today" — also the progress bar's accessible name. */
  label: string;
  /** Settled spend, micro-dollars. */
  spentMicros: number;
  /** Worst-case cost held by requests still running (counts against the cap too). */
  reservedMicros?: number;
  /** The cap that applies, micro-dollars; null: no cap. */
  capMicros: number | null | undefined;
  /** One line of text under a thin bar (table cells). */
  compact?: boolean;
}

/** Percentage of the cap used, settled plus reserved; 100 for a cap of $0 (nothing may be spent). */
export function capPercent(used: number, cap: number): number {
  if (cap <= 0) return 100;
  return Math.min(100, (used * 100) / cap);
}

/** Spend against a cap: the exact dollars, and a bar that turns yellow at 80% and red at 100%. */
export function SpendGauge({
  label,
  spentMicros,
  reservedMicros = 0,
  capMicros,
  compact,
}: SpendGaugeProps) {
  const hasCap = capMicros !== null && capMicros !== undefined;
  const pct = hasCap ? capPercent(spentMicros + reservedMicros, capMicros) : 0;
  const color = pct >= 100 ? "red" : pct >= WARN_PCT ? "yellow" : "teal";
  const spent = formatMoney(spentMicros);
  const text = hasCap ? `${spent} of ${formatMoney(capMicros)}` : `${spent} · no cap`;
  const held = reservedMicros > 0 ? `${formatMoney(reservedMicros)} held by running requests` : "";
  return (
    <Stack gap={compact ? 2 : 4} miw={compact ? 120 : undefined} data-gauge={label}>
      {!compact && (
        <Group justify="space-between" gap="xs">
          <Text size="sm" fw={500}>
            {label}
          </Text>
          {hasCap && (
            <Text size="xs" c="dimmed">
              {Math.floor(pct)}%
            </Text>
          )}
        </Group>
      )}
      <Tooltip label={held || text} disabled={!held && !compact} withArrow>
        <Progress
          value={pct}
          color={color}
          size={compact ? "sm" : "lg"}
          aria-label={`${label}: ${text}`}
        />
      </Tooltip>
      <Text
        size={compact ? "xs" : "sm"}
        c={compact ? undefined : "dimmed"}
        data-spent={spentMicros}
      >
        {text}
      </Text>
      {!compact && held && (
        <Text size="xs" c="dimmed">
          {held}
        </Text>
      )}
    </Stack>
  );
}
