import type { MeDto } from "@contract";
import {
  Alert,
  Anchor,
  Card,
  Center,
  Grid,
  Group,
  Loader,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useEffect } from "react";
import { canCreateKeys, canEditLimits, seesEveryone } from "../../lib/memberPermissions";
import { useMemberDetailStore } from "../../stores/useMemberDetailStore";
import { AlertsCard } from "./AlertsCard";
import { BillingCard } from "./BillingCard";
import { BodyRetentionCard } from "./BodyRetentionCard";
import { CreditsCard } from "./CreditsCard";
import { connectModel, KEY_PLACEHOLDER } from "../../lib/keySnippets";
import { KeysCard } from "./KeysCard";
import { KeySnippets } from "./KeySnippets";
import { LimitsForm } from "./LimitsForm";
import { LimitsSummary } from "./LimitsSummary";
import { MemberHeader } from "./MemberHeader";
import { UsageCard } from "./UsageCard";

export interface MemberDetailProps {
  id: string;
  me: MeDto;
  /** "My account": the signed-in person's own page (no way back to the members list). */
  self?: boolean;
}

/** One member: usage against caps, limits edited inline, credits and billing, keys, alerts. */
export function MemberDetail({ id, me, self }: MemberDetailProps) {
  const s = useMemberDetailStore();
  const staff = seesEveryone(me);

  useEffect(() => {
    const store = useMemberDetailStore.getState();
    void store.open(id, { staff });
    const stop = store.follow();
    return () => {
      stop();
      store.reset();
    };
  }, [id, staff]);

  if (s.notFound)
    return (
      <Stack>
        {staff && <BackLink />}
        <Alert color="yellow" title="No such member">
          This member does not exist, or you do not have access to them.
        </Alert>
      </Stack>
    );
  if (!s.member || s.member.id !== id)
    return (
      <Center h={200}>
        <Loader aria-label="Loading member…" />
      </Center>
    );

  const member = s.member;
  const editable = canEditLimits(me, member);
  return (
    <Stack gap="md">
      {staff && !self && <BackLink />}
      {self && (
        <Title order={2} size="h3" c="dimmed" fw={500}>
          My account
        </Title>
      )}
      <MemberHeader member={member} me={me} />
      {s.error && (
        <Alert color="red" title="Some of this page could not be loaded">
          {s.error}
        </Alert>
      )}
      <UsageCard status={s.status} limits={s.limits?.effective} requestsToday={s.requestsToday} />
      <Card withBorder padding="lg" component="section" aria-labelledby="limits-title">
        <Group justify="space-between" mb="sm">
          <Title order={3} size="h4" id="limits-title">
            Limits
          </Title>
          <Text size="xs" c="dimmed">
            {editable ? "Changes apply from the next request" : "Set by the lab's admins"}
          </Text>
        </Group>
        {!s.limits ? (
          <Loader size="sm" aria-label="Loading limits…" />
        ) : editable ? (
          <LimitsForm
            label={`Limits of ${member.name}`}
            view={s.limits}
            inherits
            models={s.models}
            categories={s.categories}
            onSave={s.putLimits}
          />
        ) : (
          <LimitsSummary view={s.limits} />
        )}
      </Card>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: staff ? 6 : 12 }}>
          <CreditsCard credits={s.credits} canAdd={editable} onAdd={s.addCredits} />
        </Grid.Col>
        {staff && (
          <Grid.Col span={{ base: 12, lg: 6 }}>
            <BillingCard
              prices={s.prices}
              canEdit={me.role === "owner" || me.role === "admin"}
              onChange={s.setBillingMode}
            />
          </Grid.Col>
        )}
      </Grid>
      <KeysCard
        member={member}
        keys={s.keys}
        canManage={canCreateKeys(me, member)}
        models={callableModels(s.limits?.effective.allowed_models, s.models)}
        limits={s.limits?.effective}
        status={s.status}
        prices={s.prices}
        staff={staff}
        onCreate={s.createKey}
        onRevoke={s.revokeKey}
      />
      <BodyRetentionCard
        retention={s.bodyRetention}
        canEdit={me.role === "owner" && member.status !== "deleted"}
        onSave={s.setBodyRetention}
      />
      {self && (
        <Card withBorder padding="lg" component="section" aria-labelledby="connect-title">
          <Title order={3} size="h4" id="connect-title" mb={4}>
            Connect a tool
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            Setups for coding agents and SDKs. Put in one of your keys (a key is shown only when it
            is created: create one above if you have lost it).
          </Text>
          <KeySnippets
            apiKey={KEY_PLACEHOLDER}
            models={callableModels(s.limits?.effective.allowed_models, s.models)}
            limits={s.limits?.effective}
            status={s.status}
            prices={s.prices}
            staff={staff}
          />
        </Card>
      )}
      <AlertsCard alerts={s.alerts} status={s.status} />
    </Stack>
  );
}

/**
 * Models the member may call as far as this page knows: those listed that their allow-list
 * admits (the list is the signed-in person's `/v1/models`: on My account exactly theirs), the
 * one `connectModel` picks first.
 */
function callableModels(allowed: string[] | null | undefined, listed: string[]): string[] {
  const first = connectModel(listed, allowed);
  const rest = allowed ? listed.filter((m) => allowed.includes(m)) : listed;
  return first === undefined ? rest : [first, ...rest.filter((m) => m !== first)];
}

function BackLink() {
  return (
    <Anchor href="#/members" size="sm">
      <Group gap={4}>
        <IconArrowLeft size={14} /> All members
      </Group>
    </Anchor>
  );
}
