import type { Role } from "@contract";
import { Stack, Tabs, Text, Title } from "@mantine/core";
import { useEffect } from "react";
import { useAuthStore } from "../../stores/useAuthStore";
import { useEventsStore } from "../../stores/useEventsStore";
import { useRouteStore } from "../../stores/useRouteStore";
import { useServerStore } from "../../stores/useServerStore";
import { AuditPanel } from "./AuditPanel";
import { ClientsCard } from "./ClientsCard";
import { HealthCards } from "./HealthCards";
import { ModelTable } from "./ModelTable";
import { QueueCard } from "./QueueCard";
import { SettingsPanel } from "./SettingsPanel";
import { SharingPanel } from "./SharingPanel";
import { StorageBanner } from "./StorageBanner";

const TABS = ["status", "sharing", "settings", "audit"] as const;
type Tab = (typeof TABS)[number];

/** Milliseconds between reads of `GET /server` while the page is open (connected clients move). */
const SERVER_POLL_MS = 5000;

/**
 * `#/server[/<tab>]`: is the server up, what is the engine doing, which models can be called —
 * and, for staff, sharing (`sharing`), the org's settings (`settings`) and the audit log (`audit`).
 */
export function ServerStatusPage() {
  const role = useAuthStore((s) => s.me?.role);
  const rest = useRouteStore((s) => s.rest);
  const navigate = useRouteStore((s) => s.navigate);
  const staff = role !== undefined && role !== "member";
  useStaffData(staff);
  if (!staff || !role)
    return (
      <Stack>
        <Title order={2}>Server</Title>
        <StatusTab staff={false} />
      </Stack>
    );
  const tab: Tab = (TABS as readonly string[]).includes(rest[0] ?? "")
    ? (rest[0] as Tab)
    : "status";
  return (
    <Stack>
      <Title order={2}>Server</Title>
      <Tabs
        value={tab}
        onChange={(v) => v && navigate(v === "status" ? "server" : `server/${v}`)}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="status">Status</Tabs.Tab>
          <Tabs.Tab value="sharing">Sharing</Tabs.Tab>
          <Tabs.Tab value="settings">Settings</Tabs.Tab>
          <Tabs.Tab value="audit">Audit log</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="status" pt="md">
          <StatusTab staff />
        </Tabs.Panel>
        <Tabs.Panel value="sharing" pt="md">
          <SharingPanel isOwner={role === "owner"} />
        </Tabs.Panel>
        <Tabs.Panel value="settings" pt="md">
          <SettingsPanel role={role as Role} />
        </Tabs.Panel>
        <Tabs.Panel value="audit" pt="md">
          <AuditPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** Staff: reads `/server` now and every few seconds, `/settings` once; both again on their events. */
function useStaffData(staff: boolean) {
  useEffect(() => {
    if (!staff) return;
    const { loadServer, loadSettings } = useServerStore.getState();
    void loadServer();
    void loadSettings();
    const timer = setInterval(() => void useServerStore.getState().loadServer(), SERVER_POLL_MS);
    const off = useEventsStore.getState().subscribe(["server.", "settings."], (e) => {
      if (e.type === "server.update") void useServerStore.getState().loadServer();
      if (e.type === "settings.update") void useServerStore.getState().loadSettings();
    });
    return () => {
      clearInterval(timer);
      off();
    };
  }, [staff]);
}

/** A full disk (if any), health, engine, (staff) clients and queues, and the callable models. */
function StatusTab({ staff }: { staff: boolean }) {
  const reachability = useServerStore((s) => s.reachability);
  const health = useServerStore((s) => s.health);
  const models = useServerStore((s) => s.models);
  const modelsError = useServerStore((s) => s.modelsError);
  const checkedAt = useServerStore((s) => s.checkedAt);
  const server = useServerStore((s) => s.server);
  return (
    <Stack>
      <StorageBanner storage={health?.storage} />
      <HealthCards health={health} />
      {staff && server && reachability !== "unreachable" && (
        <>
          <ClientsCard server={server} />
          <QueueCard server={server} />
        </>
      )}
      <ModelTable
        models={models}
        error={reachability === "online" ? modelsError : undefined}
        loaded={reachability === "online"}
      />
      <Text size="xs" c="dimmed">
        {checkedAt
          ? `Last checked at ${new Date(checkedAt).toLocaleTimeString()}`
          : "Checking the server…"}
      </Text>
    </Stack>
  );
}
