import type { ConnectionDto, ConnectionKind } from "@contract";
import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  Paper,
  Select,
  Stack,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { ApiRequestError, describeError } from "../../api/ApiRequestError";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { useRouteStore } from "../../stores/useRouteStore";
import {
  emptyConnectionForm,
  formFromConnection,
  KIND_LABELS,
  KIND_ORDER,
  patchBody,
  validateConnectionForm,
  withKind,
  type ConnectionFormValues,
} from "./connectionForm";
import { moveCheck } from "./connectionMove";
import { HeadersEditor } from "./HeadersEditor";
import { KeysReentry } from "./KeysReentry";

const KIND_OPTIONS = KIND_ORDER.map((k) => ({ value: k, label: KIND_LABELS[k] }));

/**
 * Adds a connection or edits one (its kind is fixed once created). Field errors appear after
 * the first attempt to save and follow every keystroke from then on.
 */
export function ConnectionFormPage({ connection }: { connection?: ConnectionDto }) {
  const navigate = useRouteStore((s) => s.navigate);
  const [values, setValues] = useState<ConnectionFormValues>(() =>
    connection ? formFromConnection(connection) : emptyConnectionForm(),
  );
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string>();
  /** Set when the server said its secret storage is insecure (409 insecure_secret_storage). */
  const [insecure, setInsecure] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);
  const { errors, body } = validateConnectionForm(values, connection);
  const move = moveCheck(connection, values.baseUrl);
  const shown = tried ? errors : { headerRows: [] };
  const set = (patch: Partial<ConnectionFormValues>) => setValues((v) => ({ ...v, ...patch }));
  const backHref = connection
    ? `#/connections/c/${encodeURIComponent(connection.id)}`
    : "#/connections";

  async function save() {
    setTried(true);
    setServerError(undefined);
    if (!body) return;
    setSaving(true);
    try {
      const store = useConnectionsStore.getState();
      const patch = connection ? patchBody(connection, body, values.keys) : undefined;
      if (patch?.keys && insecure && acknowledged) patch.acknowledge_insecure_storage = true;
      // Nothing changed: nothing to send (the server would answer 400).
      const saved = !connection
        ? await store.create(body)
        : Object.keys(patch!).length === 0
          ? connection
          : await store.update(connection.id, patch!);
      navigate(`connections/c/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      if (err instanceof ApiRequestError && err.serverError?.code === "insecure_secret_storage")
        setInsecure(true);
      setServerError(describeError(err));
    } finally {
      setSaving(false);
    }
  }

  const custom = values.kind === "openai_compatible";
  return (
    <Stack maw={760} gap="md">
      <Anchor href={backHref} size="sm">
        ← {connection ? connection.name : "Connections & pools"}
      </Anchor>
      <Title order={2}>{connection ? `Edit ${connection.name}` : "Add a connection"}</Title>
      <Paper withBorder p="md">
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <Stack gap="sm">
            <TextInput
              label="Name"
              placeholder="OpenAI (lab account)"
              required
              value={values.name}
              onChange={(e) => set({ name: e.currentTarget.value })}
              error={shown.name}
            />
            <Select
              label="Kind"
              data={KIND_OPTIONS}
              value={values.kind}
              allowDeselect={false}
              disabled={Boolean(connection)}
              description={
                connection ? "The kind cannot change: add another connection." : undefined
              }
              onChange={(k) => k && setValues((v) => withKind(v, k as ConnectionKind))}
            />
            <TextInput
              label="Base URL"
              required
              placeholder={custom ? "http://10.0.0.5:8000/v1" : undefined}
              description={
                custom
                  ? "The endpoint's OpenAI-compatible root, usually ending in /v1."
                  : "Prefilled with the provider's own; change it for a proxy or a regional endpoint."
              }
              value={values.baseUrl}
              onChange={(e) => set({ baseUrl: e.currentTarget.value })}
              error={shown.baseUrl}
            />
            {move.keysNeeded && (
              <KeysReentry
                rows={values.keys ?? []}
                onChange={(keys) => set({ keys })}
                toHost={move.toHost!}
                rowErrors={shown.keyRows ?? []}
                listError={shown.keys}
              />
            )}
            <HeadersEditor
              rows={values.headers}
              onChange={(headers) => set({ headers })}
              rowErrors={shown.headerRows}
              listError={shown.headers}
            />
            <TextInput
              label="Region"
              description="Where the provider processes requests, as you declare it to members."
              placeholder="US"
              value={values.region}
              onChange={(e) => set({ region: e.currentTarget.value })}
              error={shown.region}
            />
            <Textarea
              label="Retention"
              description="What the provider keeps and for how long (shown to members)."
              placeholder="Zero data retention; abuse monitoring 30 days"
              autosize
              minRows={2}
              value={values.retention}
              onChange={(e) => set({ retention: e.currentTarget.value })}
              error={shown.retention}
            />
            {serverError && (
              <Alert color="red" title="Not saved">
                {serverError}
              </Alert>
            )}
            {insecure && (
              <Checkbox
                label="Store the keys anyway, knowing this machine's secret storage does not protect them"
                checked={acknowledged}
                onChange={(e) => setAcknowledged(e.currentTarget.checked)}
              />
            )}
            <Group justify="flex-end">
              <Button component="a" href={backHref} variant="default">
                Cancel
              </Button>
              <Button type="submit" loading={saving}>
                {connection ? "Save changes" : "Add connection"}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
