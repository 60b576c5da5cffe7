import type { LimitsViewDto, MeDto } from "@contract";
import { Alert, Card, Grid, Loader, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useEffect, useMemo } from "react";
import { useOrgLimitsStore, type OrgScope } from "../../stores/useOrgLimitsStore";
import { useServerStore } from "../../stores/useServerStore";
import { LimitsForm } from "./LimitsForm";
import { LimitsSummary } from "./LimitsSummary";
import { SpendGauge } from "./SpendGauge";

/** The lab's own limits and the default every member inherits, with the lab's spend. */
export function OrgLimitsPanel({ me }: { me: MeDto }) {
  const s = useOrgLimitsStore();
  const listed = useServerStore((st) => st.models);
  const models = useMemo(() => listed.map((m) => m.id), [listed]);
  const editable = me.role === "owner" || me.role === "admin";

  useEffect(() => {
    const { refresh, follow, reset } = useOrgLimitsStore.getState();
    void refresh();
    const stop = follow();
    return () => {
      stop();
      reset();
    };
  }, []);

  if (s.error && !s.org)
    return (
      <Alert color="red" title="Could not load the org's limits">
        {s.error}
      </Alert>
    );
  if (!s.org || !s.default || !s.status) return <Loader aria-label="Loading the org's limits…" />;

  const scope = (key: OrgScope, title: string, help: string, view: LimitsViewDto) => (
    <Card withBorder padding="lg" component="section" aria-label={title}>
      <Title order={3} size="h4">
        {title}
      </Title>
      <Text size="xs" c="dimmed" mb="md">
        {help}
      </Text>
      {editable ? (
        <LimitsForm
          label={title}
          view={view}
          inherits={false}
          models={models}
          categories={s.categories}
          onSave={(body) => s.put(key, body)}
        />
      ) : (
        <LimitsSummary view={view} inherits={false} />
      )}
    </Card>
  );

  return (
    <Stack gap="md">
      <Card withBorder padding="lg" component="section" aria-label="The lab's spend">
        <Title order={3} size="h4" mb="md">
          The lab&apos;s spend
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xl">
          <SpendGauge
            label="Lab spend today"
            spentMicros={s.status.spend_today_micros}
            reservedMicros={s.status.reserved_today_micros}
            capMicros={s.org.effective.daily_cap_micros}
          />
          <SpendGauge
            label="Lab spend this month"
            spentMicros={s.status.spend_month_micros}
            reservedMicros={s.status.reserved_month_micros}
            capMicros={s.org.effective.monthly_cap_micros}
          />
        </SimpleGrid>
      </Card>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          {scope(
            "org",
            "Org limits",
            "For the whole lab: every member's requests together. A request must pass these and its member's.",
            s.org,
          )}
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          {scope(
            "default",
            "Default member limits",
            "For each member, for every limit they do not set themselves.",
            s.default,
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
