import type { PatchServerBody, ServerDto } from "@contract";
import {
  Alert,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Stack,
  Switch,
  Text,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useServerStore } from "../../stores/useServerStore";
import { serverErrorText } from "./serverErrorText";
import { ShareUrls } from "./ShareUrls";

/**
 * Where the API listens: LAN sharing, the port and the pause switch (owner only; others see
 * them read-only), and the addresses to hand out.
 */
export function SharingPanel({ isOwner }: { isOwner: boolean }) {
  const server = useServerStore((s) => s.server);
  const serverError = useServerStore((s) => s.serverError);
  if (!server)
    return serverError ? (
      <Alert color="red" title="Could not read the server's state">
        {serverError}
      </Alert>
    ) : (
      <Text c="dimmed">Reading the server&apos;s state…</Text>
    );
  return (
    <Stack>
      <SharingControls key={server.port} server={server} isOwner={isOwner} />
      <ShareUrls server={server} />
    </Stack>
  );
}

function SharingControls({ server, isOwner }: { server: ServerDto; isOwner: boolean }) {
  const updateServer = useServerStore((s) => s.updateServer);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [port, setPort] = useState<number | string>(server.port);
  const [confirmPort, setConfirmPort] = useState<number>();

  async function apply(patch: PatchServerBody, done: string): Promise<ServerDto | undefined> {
    setBusy(true);
    setError(undefined);
    try {
      const next = await updateServer(patch);
      notifications.show({ color: "green", message: done });
      return next;
    } catch (err) {
      setError(serverErrorText(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  async function movePort(to: number) {
    setConfirmPort(undefined);
    const next = await apply({ port: to }, `The API now listens on port ${to}.`);
    if (!next) return;
    setPort(next.port);
    // This page came from the old port: a browser tab follows the API to the new one (and signs
    // in again there). The desktop window is moved by the Electron shell, which reloads it at
    // the new address on the server.update event, so the page leaves that to the shell.
    const here = window.location;
    if (!window.benchtop && Number(here.port || 80) !== next.port)
      here.assign(`${here.protocol}//${here.hostname}:${next.port}/#/server/sharing`);
  }

  const wantedPort = typeof port === "number" ? port : Number.NaN;
  const portValid = Number.isInteger(wantedPort) && wantedPort >= 1 && wantedPort <= 65535;
  return (
    <Card withBorder component="section" aria-labelledby="sharing-title">
      <Title order={3} size="h4" id="sharing-title" mb="xs">
        Sharing
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Listening on <strong>{server.host}</strong>, port <strong>{server.port}</strong>.
        {isOwner ? "" : " Only the owner can change these."}
      </Text>
      <Stack gap="md">
        <Switch
          label="Share on the LAN"
          description="Listens on every network interface (0.0.0.0) so teammates can connect. Needs a member with a live key."
          checked={server.lan}
          disabled={!isOwner || busy}
          onChange={(e) => {
            const lan = e.currentTarget.checked;
            void apply({ lan }, lan ? "Sharing on the LAN." : "Listening on this machine only.");
          }}
        />
        <Switch
          label="API on"
          description="Off: every /v1 request gets 503 server_paused. This app and the management API keep working."
          checked={!server.api_paused}
          disabled={!isOwner || busy}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            void apply({ api_paused: !on }, on ? "The API is on." : "The API is paused.");
          }}
        />
        <Group align="end" gap="sm">
          <NumberInput
            label="Port"
            description="Where the API listens (1–65535)."
            min={1}
            max={65535}
            allowDecimal={false}
            allowNegative={false}
            value={port}
            onChange={setPort}
            disabled={!isOwner || busy}
            w={200}
          />
          <Button
            variant="default"
            disabled={!isOwner || busy || !portValid || wantedPort === server.port}
            onClick={() => setConfirmPort(wantedPort)}
          >
            Move to this port
          </Button>
        </Group>
        {error && (
          <Alert color="red" title="Nothing was changed" role="alert">
            {error}
          </Alert>
        )}
      </Stack>
      <Modal
        opened={confirmPort !== undefined}
        onClose={() => setConfirmPort(undefined)}
        title="Move the API to another port?"
      >
        <Stack>
          <Text size="sm">
            Everything that uses port {server.port} — teammates&apos; tools and this page — must
            switch to port {confirmPort}. Requests already running finish on the old port. This page
            reloads at the new address (in a browser it asks for your key again).
          </Text>
          <Group justify="end">
            <Button variant="default" onClick={() => setConfirmPort(undefined)}>
              Cancel
            </Button>
            <Button onClick={() => confirmPort !== undefined && void movePort(confirmPort)}>
              Move to port {confirmPort}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
