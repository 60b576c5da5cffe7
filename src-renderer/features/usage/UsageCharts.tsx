import { BarChart } from "@mantine/charts";
import { Group, Paper, SegmentedControl, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import type { UsagePageDto } from "@contract";
import { useMemo } from "react";
import { formatMoney } from "../../lib/formatMoney";
import { formatCount } from "./requestLogView";
import {
  bucketLabeller,
  categoryLabel,
  chartShape,
  LOCATION_LABELS,
  stackOrder,
  type Metric,
  type StackBy,
} from "./usageSeries";

interface UsageChartsProps {
  page?: UsagePageDto;
  bucket: "hour" | "day";
  stackBy: StackBy;
  onStackBy: (s: StackBy) => void;
  /** Staff may stack by member; a member only ever sees themselves. */
  staff: boolean;
  memberNames: Record<string, string>;
}

/** Axis ticks: three significant digits (tooltips show exact amounts). */
const axisMoney = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumSignificantDigits: 3,
});

const METRICS: {
  metric: Metric;
  title: string;
  format: (v: number) => string;
  axis?: (v: number) => string;
}[] = [
  {
    metric: "cost",
    title: "Cost",
    format: (v) => formatMoney(Math.round(v)),
    axis: (v) => axisMoney.format(v / 1_000_000),
  },
  { metric: "tokens", title: "Tokens", format: (v) => formatCount(Math.round(v)) },
];

/** Cost and tokens per bucket, stacked by member, model, local vs remote, or route category. */
export function UsageCharts({
  page,
  bucket,
  stackBy,
  onStackBy,
  staff,
  memberNames,
}: UsageChartsProps) {
  const stackOptions = [
    ...(staff ? [{ value: "member", label: "Member" }] : []),
    { value: "model", label: "Model" },
    { value: "location", label: "Local vs remote" },
    { value: "category", label: "Category" },
  ];
  const charts = useMemo(() => {
    if (!page) return [];
    const labelFor = (key: string) =>
      stackBy === "member"
        ? (memberNames[key] ?? key)
        : stackBy === "location"
          ? (LOCATION_LABELS[key] ?? key)
          : stackBy === "category"
            ? categoryLabel(key)
            : key;
    const bucketLabel = bucketLabeller(bucket, page.time_zone);
    // One colour per member/model across both charts, though each stacks by its own metric.
    const colorKeys = stackOrder(page, stackBy);
    return METRICS.map((m) => ({
      ...m,
      shape: chartShape(page, stackBy, m.metric, { labelFor, bucketLabel, colorKeys }),
    }));
  }, [page, bucket, stackBy, memberNames]);

  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={2} size="h4">
          Over time
        </Title>
        <Group gap="xs">
          <Text size="sm" c="dimmed" id="usage-stack-label">
            Stack by
          </Text>
          <SegmentedControl
            size="xs"
            aria-labelledby="usage-stack-label"
            value={stackBy}
            onChange={(v) => onStackBy(v as StackBy)}
            data={stackOptions}
          />
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        {charts.map(({ metric, title, format, axis, shape }) => (
          <Stack key={metric} gap={4} role="figure" aria-label={`${title} per ${bucket}`}>
            <Text fw={600} size="sm">
              {title}
            </Text>
            {shape.series.length === 0 ? (
              <Text size="sm" c="dimmed" h={220}>
                Nothing settled in this range.
              </Text>
            ) : (
              <BarChart
                h={220}
                data={shape.data}
                dataKey="bucket"
                type="stacked"
                series={shape.series.map(({ name, label, color }) => ({ name, label, color }))}
                valueFormatter={format}
                yAxisProps={axis ? { tickFormatter: axis, width: 72 } : { width: 72 }}
                withLegend
                legendProps={{ verticalAlign: "bottom", height: 40 }}
                tickLine="y"
              />
            )}
          </Stack>
        ))}
      </SimpleGrid>
    </Paper>
  );
}
