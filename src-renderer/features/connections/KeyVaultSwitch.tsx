import type { ConnectionDto } from "@contract";
import { Alert, Switch, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { ConfirmDialog } from "../members/ConfirmDialog";
import { errorText } from "../members/errorText";

/**
 * KeyVault for one connection (`PATCH /connections/{id} {redact_secrets}`, owner only). Turning
 * it off lets secrets leave unredacted for this connection, so it is asked about first; turning
 * it back on is not.
 */
export function KeyVaultSwitch({
  connection,
  isOwner,
}: {
  connection: ConnectionDto;
  isOwner: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const set = async (on: boolean) => {
    await useConnectionsStore.getState().update(connection.id, { redact_secrets: on });
    notifications.show({
      message: on
        ? `KeyVault is on for ${connection.name}.`
        : `KeyVault is off for ${connection.name}.`,
    });
  };

  const turnOn = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await set(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Switch
        label="KeyVault: redact secrets before requests leave for this connection"
        description={
          isOwner
            ? "On by default. Turn it off only for a provider you trust with your secrets (e.g. your own tenant)."
            : "Only the owner changes this."
        }
        checked={connection.redact_secrets}
        disabled={!isOwner || busy}
        color={connection.redact_secrets ? undefined : "red"}
        onChange={(e) => {
          if (e.currentTarget.checked) void turnOn();
          else {
            setError(undefined);
            setConfirming(true);
          }
        }}
      />
      {!connection.redact_secrets && (
        <Text size="sm" c="red" mt={6}>
          KeyVault is off: secrets in prompts reach this provider as written. Personal data policies
          still apply.
        </Text>
      )}
      {error && (
        <Alert color="red" title="Not changed" mt="sm">
          {error}
        </Alert>
      )}
      <ConfirmDialog
        opened={confirming}
        title={`Turn KeyVault off for ${connection.name}?`}
        confirmLabel="Turn KeyVault off"
        onConfirm={() => set(false)}
        onClose={() => setConfirming(false)}
      >
        <Text size="sm">
          Secrets in prompts (API keys, cloud credentials, tokens, private keys) will then be sent
          to {connection.name} unredacted. Requests to other connections are not affected, and
          personal data policies still apply. The change is recorded in the audit log.
        </Text>
      </ConfirmDialog>
    </>
  );
}
