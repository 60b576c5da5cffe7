import { Alert, Button, Checkbox, Group, PasswordInput, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { ApiRequestError, describeError } from "../../api/ApiRequestError";
import { useConnectionsStore } from "../../stores/useConnectionsStore";

/**
 * Adds a provider key. The key lives in this form's state only until the server accepted it;
 * then the field is emptied, so the page never holds it again (the list shows `…last4`).
 */
export function AddKeyForm({ connectionId, onDone }: { connectionId: string; onDone(): void }) {
  const [label, setLabel] = useState("");
  const [key, setKey] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  /** Set when the server said its secret storage is insecure (409 insecure_secret_storage). */
  const [insecure, setInsecure] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);
  const labelError = label.trim() === "" ? "Name the key, e.g. 'lab account'." : undefined;
  const keyError =
    key === ""
      ? "Paste the provider's API key."
      : /^[\x21-\x7e]+$/.test(key)
        ? undefined
        : "Keys are visible ASCII without spaces.";
  const [tried, setTried] = useState(false);

  async function save() {
    setTried(true);
    setError(undefined);
    if (labelError || keyError) return;
    setSaving(true);
    try {
      const added = await useConnectionsStore.getState().addKey(connectionId, {
        label: label.trim(),
        key,
        ...(insecure && acknowledged ? { acknowledge_insecure_storage: true } : {}),
      });
      setKey("");
      setLabel("");
      notifications.show({
        color: "teal",
        message: `Key ${added.label}${added.last4 ? ` …${added.last4}` : ""} added.`,
      });
      onDone();
    } catch (err) {
      if (err instanceof ApiRequestError && err.serverError?.code === "insecure_secret_storage")
        setInsecure(true);
      setError(describeError(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      noValidate
      aria-label="Add a key"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Stack gap="sm">
        <Group align="flex-start" grow>
          <TextInput
            label="Key label"
            placeholder="lab account"
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
            error={tried && labelError}
          />
          <PasswordInput
            label="API key"
            description="Encrypted at rest; only its last 4 characters are shown after saving."
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.currentTarget.value)}
            error={tried && keyError}
          />
        </Group>
        {error && (
          <Alert color="red" title="Key not added">
            {error}
          </Alert>
        )}
        {insecure && (
          <Checkbox
            label="Store the key anyway, knowing this machine's secret storage does not protect it"
            checked={acknowledged}
            onChange={(e) => setAcknowledged(e.currentTarget.checked)}
          />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={saving}>
            Save key
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
