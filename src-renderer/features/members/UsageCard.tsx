import type { EffectiveLimitsDto, MemberStatusDto } from "@contract";
import { Card, Group, Loader, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { SpendGauge } from "./SpendGauge";

export interface UsageCardProps {
  status?: MemberStatusDto;
  limits?: EffectiveLimitsDto;
  requestsToday?: number;
}

/** A number with what it is measured against: "3 / 60". */
function Stat(props: {
  label: string;
  value: number | undefined;
  of?: number | null;
  unit?: string;
}) {
  const { label, value, of, unit } = props;
  return (
    <Stack gap={2} data-stat={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={600} data-value>
        {value === undefined ? "…" : value.toLocaleString("en-US")}
        {of !== undefined && of !== null && (
          <Text span size="sm" c="dimmed" fw={400}>
            {" "}
            / {of.toLocaleString("en-US")}
            {unit ? ` ${unit}` : ""}
          </Text>
        )}
      </Text>
    </Stack>
  );
}

/** Today's and this month's spend against the caps, and the live rate counters. */
export function UsageCard({ status, limits, requestsToday }: UsageCardProps) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="usage-title">
      <Group justify="space-between" mb="md">
        <Title order={3} size="h4" id="usage-title">
          Usage
        </Title>
        {status && (
          <Text size="xs" c="dimmed">
            Day {status.day} · month {status.month} (the lab&apos;s time zone)
          </Text>
        )}
      </Group>
      {!status ? (
        <Loader size="sm" aria-label="Loading usage…" />
      ) : (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xl">
            <SpendGauge
              label="Spend today"
              spentMicros={status.spend_today_micros}
              reservedMicros={status.reserved_today_micros}
              capMicros={limits?.daily_cap_micros}
            />
            <SpendGauge
              label="Spend this month"
              spentMicros={status.spend_month_micros}
              reservedMicros={status.reserved_month_micros}
              capMicros={limits?.monthly_cap_micros}
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
            <Stat label="Requests today" value={requestsToday} />
            <Stat
              label="Requests last minute"
              value={status.requests_last_minute}
              of={limits?.rpm}
            />
            <Stat label="Tokens last minute" value={status.tokens_last_minute} of={limits?.tpm} />
            <Stat label="In flight" value={status.in_flight} of={limits?.max_concurrent} />
          </SimpleGrid>
        </Stack>
      )}
    </Card>
  );
}
