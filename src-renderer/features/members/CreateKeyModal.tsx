import type {
  CreateKeyBody,
  CreatedKeyDto,
  EffectiveLimitsDto,
  MemberDto,
  MemberStatusDto,
  ModelListDto,
  PriceDto,
} from "@contract";
import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useEffect, useState, type FormEvent } from "react";
import { useServerStore } from "../../stores/useServerStore";
import { useReturnFocus } from "../../components/useReturnFocus";
import { CopyTextButton } from "./CopyTextButton";
import { errorText } from "./errorText";
import { KeySnippets } from "./KeySnippets";

const DAY_MS = 86_400_000;
const EXPIRY: { value: string; label: string; days: number | null }[] = [
  { value: "never", label: "Never", days: null },
  { value: "7", label: "In 7 days", days: 7 },
  { value: "30", label: "In 30 days", days: 30 },
  { value: "90", label: "In 90 days", days: 90 },
  { value: "365", label: "In a year", days: 365 },
];

export interface CreateKeyModalProps {
  member: MemberDto;
  /** Models the snippets may name before the new key's own `/v1/models` answers. */
  models: string[];
  limits?: EffectiveLimitsDto;
  status?: MemberStatusDto;
  prices?: PriceDto[];
  staff?: boolean;
  onCreate: (body: CreateKeyBody) => Promise<CreatedKeyDto>;
  onClose: () => void;
}

/**
 * Names a new key, then shows it — the only time it is ever shown — with copy buttons and
 * snippets. The key lives in this component's state only: closing the dialog forgets it.
 */
export function CreateKeyModal({
  member,
  models,
  limits,
  status,
  prices,
  staff,
  onCreate,
  onClose,
}: CreateKeyModalProps) {
  useReturnFocus();
  const baseUrl = useServerStore((s) => s.baseUrl) ?? window.location.origin;
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState("never");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<CreatedKeyDto>();
  // The models the new key may call, asked with the key itself: exactly the member's view.
  const [callable, setCallable] = useState<string[]>();
  useEffect(() => {
    if (!created) return;
    const abort = new AbortController();
    fetch(`${baseUrl}/v1/models`, {
      headers: { authorization: `Bearer ${created.key}` },
      signal: abort.signal,
    })
      .then((r) => (r.ok ? (r.json() as Promise<ModelListDto>) : undefined))
      .then((list) => list && setCallable(list.data.map((m) => m.id)))
      .catch(() => undefined);
    return () => abort.abort();
  }, [created, baseUrl]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError("Name the key (where it will be used, e.g. “laptop”).");
      return;
    }
    const days = EXPIRY.find((x) => x.value === expiry)?.days ?? null;
    setBusy(true);
    setError(undefined);
    try {
      setCreated(
        await onCreate({
          name: name.trim(),
          ...(days === null ? {} : { expires_ms: Date.now() + days * DAY_MS }),
        }),
      );
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      opened
      onClose={onClose}
      title={created ? `Key “${created.name}” for ${member.name}` : `New key for ${member.name}`}
      size={created ? "xl" : "md"}
      centered
      // A stray click outside must not throw away a key that is never shown again.
      closeOnClickOutside={!created}
    >
      {!created ? (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack>
            <TextInput
              label="Name"
              description="Where it will be used, so it can be told apart later"
              placeholder="laptop"
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              data-autofocus
            />
            <Select
              label="Expires"
              data={EXPIRY.map(({ value, label }) => ({ value, label }))}
              value={expiry}
              onChange={(v) => v && setExpiry(v)}
              allowDeselect={false}
            />
            {error && (
              <Text c="red" size="sm" role="alert">
                {error}
              </Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack>
          <Alert color="yellow" icon={<IconAlertTriangle size={18} />} title="Copy it now">
            This is the only time the key is shown. Benchtop keeps only a hash of it; if it is lost,
            create a new one.
          </Alert>
          <Group align="flex-end" wrap="nowrap">
            <TextInput
              label="New API key"
              value={created.key}
              readOnly
              onFocus={(e) => e.currentTarget.select()}
              styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
              style={{ flex: 1 }}
              data-secret
            />
            <CopyTextButton value={created.key} label="Copy key" />
          </Group>
          <Text fw={500} size="sm">
            Connect a tool
          </Text>
          <KeySnippets
            apiKey={created.key}
            models={callable ?? models}
            limits={limits}
            status={status}
            prices={prices}
            staff={staff}
          />
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
