import { Alert, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useEffect } from "react";
import { canChangeMember } from "../../lib/memberPermissions";
import { useAuthStore } from "../../stores/useAuthStore";
import { useEventsStore } from "../../stores/useEventsStore";
import { useGuardStore, type GuardMember } from "../../stores/useGuardStore";
import { coalesce } from "../connections/liveRefresh";
import { useCanWrite } from "../connections/useConnectionsPage";
import { BodyRetentionCard } from "./BodyRetentionCard";
import { GuardTestBox } from "./GuardTestBox";
import { KeyVaultCard } from "./KeyVaultCard";
import { OrgPolicyForm } from "./OrgPolicyForm";
import { OverridesCard } from "./OverridesCard";

/**
 * Events that change what the page shows: its own changes (`guard.*`), connections (KeyVault
 * off), members, models, pools and aliases coming and going (what policies name), and settings
 * (body retention).
 */
const LIVE_EVENT_PREFIXES = [
  "guard.",
  "connection.",
  "member.",
  "model.",
  "pool.",
  "alias.",
  "settings.",
] as const;

/**
 * Guardrails (staff; viewers read only): the KeyVault's state, the org's PII policy, member and
 * model overrides, a test box, and body retention. See docs/GUARDRAILS.md and docs/AUDIT.md.
 */
export function GuardPage() {
  const s = useGuardStore();
  const me = useAuthStore((a) => a.me);
  const canWrite = useCanWrite();

  useEffect(() => {
    const refresh = coalesce(() => useGuardStore.getState().refresh());
    void refresh();
    const off = useEventsStore.getState().subscribe(LIVE_EVENT_PREFIXES, () => void refresh());
    return () => {
      off();
      useGuardStore.getState().reset();
    };
  }, []);

  if (!s.guard)
    return s.error ? (
      <Alert color="red" title="Could not read the guardrails">
        {s.error}
      </Alert>
    ) : (
      <Center h={200}>
        <Loader aria-label="Reading the guardrails…" />
      </Center>
    );

  const ids = { localModels: s.localModels, pools: s.pools, aliases: s.aliases };
  const changeable = (m: GuardMember) =>
    me ? canChangeMember(me, { ...m, status: "active" }) : false;

  return (
    <Stack gap="md">
      <Stack gap={4}>
        <Title order={1} size="h2">
          Guardrails
        </Title>
        <Text c="dimmed" size="sm">
          Secrets and personal data are checked in every request before it leaves this machine.
          {!canWrite && " You can look and test texts but not change anything (viewer)."}
        </Text>
      </Stack>
      {s.error && (
        <Alert color="red" title="Could not refresh the guardrails">
          {s.error}
        </Alert>
      )}
      <KeyVaultCard keyvault={s.guard.keyvault} />
      <OrgPolicyForm
        policy={s.guard.org}
        localModels={s.localModels}
        canWrite={canWrite}
        save={s.saveOrg}
      />
      <OverridesCard
        members={s.guard.members}
        models={s.guard.models}
        memberList={s.members}
        changeable={changeable}
        ids={ids}
        orgKeepLocal={s.guard.org.keep_local_model}
        canWrite={canWrite}
        saveMember={s.saveMember}
        deleteMember={s.deleteMember}
        saveModel={s.saveModel}
        deleteModel={s.deleteModel}
      />
      <GuardTestBox ids={ids} members={s.members} test={s.test} />
      <BodyRetentionCard
        days={s.bodyRetentionDays ?? null}
        isOwner={me?.role === "owner"}
        save={s.saveBodyRetention}
      />
    </Stack>
  );
}
