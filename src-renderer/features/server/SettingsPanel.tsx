import type { PatchSettingsBody, Role, SettingsDto } from "@contract";
import {
  Alert,
  Button,
  Card,
  Group,
  NumberInput,
  Select,
  Stack,
  Switch,
  Text,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMemo, useState } from "react";
import { useServerStore } from "../../stores/useServerStore";
import { serverErrorText } from "./serverErrorText";

/** The org's settings: time zone, model idle TTL, usage retention, keys per member, anonymous local use. */
export function SettingsPanel({ role }: { role: Role }) {
  const settings = useServerStore((s) => s.settings);
  const settingsError = useServerStore((s) => s.settingsError);
  if (!settings)
    return settingsError ? (
      <Alert color="red" title="Could not read the settings">
        {settingsError}
      </Alert>
    ) : (
      <Text c="dimmed">Reading the settings…</Text>
    );
  // Keyed by the saved values: a change saved elsewhere (another tab, an event) resets the form.
  return <SettingsForm key={JSON.stringify(settings)} settings={settings} role={role} />;
}

/** IANA zones the browser knows, plus the current one (Intl may not list every alias). */
function zones(current: string): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  return [...new Set([current, "UTC", ...(intl.supportedValuesOf?.("timeZone") ?? [])])].sort();
}

function SettingsForm({ settings, role }: { settings: SettingsDto; role: Role }) {
  const saveSettings = useServerStore((s) => s.saveSettings);
  const canEdit = role === "owner" || role === "admin";
  const [timeZone, setTimeZone] = useState(settings.time_zone);
  const [ttl, setTtl] = useState<number | string>(settings.model_idle_ttl_s);
  const [retain, setRetain] = useState(settings.retention_days !== null);
  const [days, setDays] = useState<number | string>(settings.retention_days ?? 90);
  const [anonymous, setAnonymous] = useState(settings.anonymous_loopback);
  const [maxKeys, setMaxKeys] = useState<number | string>(settings.max_keys_per_member);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const zoneList = useMemo(() => zones(settings.time_zone), [settings.time_zone]);

  const patch: PatchSettingsBody = {};
  if (timeZone !== settings.time_zone) patch.time_zone = timeZone;
  if (typeof ttl === "number" && ttl !== settings.model_idle_ttl_s) patch.model_idle_ttl_s = ttl;
  const retention = retain ? (typeof days === "number" ? days : undefined) : null;
  if (retention !== undefined && retention !== settings.retention_days)
    patch.retention_days = retention;
  if (anonymous !== settings.anonymous_loopback) patch.anonymous_loopback = anonymous;
  if (typeof maxKeys === "number" && maxKeys !== settings.max_keys_per_member)
    patch.max_keys_per_member = maxKeys;
  const invalid =
    typeof ttl !== "number" || (retain && typeof days !== "number") || typeof maxKeys !== "number";

  async function save() {
    setBusy(true);
    setError(undefined);
    try {
      await saveSettings(patch);
      notifications.show({ color: "green", message: "Settings saved." });
    } catch (err) {
      setError(serverErrorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder component="section" aria-labelledby="settings-title">
      <Title order={3} size="h4" id="settings-title" mb="xs">
        Settings
      </Title>
      {!canEdit && (
        <Text size="sm" c="dimmed" mb="sm">
          Viewers can read these; owners and admins change them.
        </Text>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Stack gap="md" maw={560}>
          <Select
            label="Time zone"
            description="Daily and monthly budgets and the usage charts' days follow this zone."
            data={zoneList}
            value={timeZone}
            onChange={(v) => v && setTimeZone(v)}
            searchable
            allowDeselect={false}
            disabled={!canEdit}
          />
          <NumberInput
            label="Unload idle models after (seconds)"
            description="A local model leaves memory this long after its last request; 0 keeps it loaded until Benchtop stops."
            min={0}
            max={2_592_000}
            allowDecimal={false}
            allowNegative={false}
            value={ttl}
            onChange={setTtl}
            disabled={!canEdit}
          />
          <Switch
            label="Delete old usage records"
            description="Off: the request log and usage are kept forever. Prompts and outputs are never stored; the audit log is never deleted. Owner only."
            checked={retain}
            onChange={(e) => setRetain(e.currentTarget.checked)}
            disabled={role !== "owner"}
          />
          <NumberInput
            label="Keep usage for (days)"
            description="Checked every hour. The current month and records behind credit debits are kept, so budgets and balances never change."
            min={1}
            max={36_500}
            allowDecimal={false}
            allowNegative={false}
            value={days}
            onChange={setDays}
            disabled={role !== "owner" || !retain}
          />
          <NumberInput
            label="API keys per member"
            description="The most keys one member may hold at once; revoked and expired keys do not count."
            min={1}
            max={1000}
            allowDecimal={false}
            allowNegative={false}
            value={maxKeys}
            onChange={setMaxKeys}
            disabled={!canEdit}
          />
          <Switch
            label="Allow key-less use from this machine"
            description="Requests to /v1 from this machine without a key act as the owner — only while Benchtop is not shared on the LAN. Owner only."
            checked={anonymous}
            onChange={(e) => setAnonymous(e.currentTarget.checked)}
            disabled={role !== "owner"}
          />
          {error && (
            <Alert color="red" title="Not saved" role="alert">
              {error}
            </Alert>
          )}
          <Group>
            <Button
              type="submit"
              loading={busy}
              disabled={!canEdit || invalid || Object.keys(patch).length === 0}
            >
              Save settings
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
