import type { BillingMode, PriceDto } from "@contract";
import { Alert, Button, Group, Modal, Select, Stack, TextInput } from "@mantine/core";
import { useState } from "react";
import { useReturnFocus } from "../../components/useReturnFocus";
import { describeError } from "../../api/ApiRequestError";
import { moneyInputText, parseMoney } from "../../lib/formatMoney";
import { usePoolsStore } from "../../stores/usePoolsStore";

/** The API's ceiling for a price per million tokens: $1,000 (1e9 µ$). */
const MAX_PRICE_MICROS = 1_000_000_000;

function priceField(text: string): { micros?: number; error?: string } {
  const p = parseMoney(text);
  if (!p.ok) return { error: p.error };
  if (p.micros > MAX_PRICE_MICROS) return { error: "At most $1,000 per million tokens." };
  return { micros: p.micros };
}

/** A cache rate: blank means the input price (stored as null). */
function cacheField(text: string): { micros?: number | null; error?: string } {
  return text.trim() === "" ? { micros: null } : priceField(text);
}

/**
 * Sets (or removes) the price of the model id members call, in dollars per million tokens,
 * and who pays; cache reads and writes have rates of their own (blank: the input price).
 * Without one, a pool costs its targets' catalog list price.
 */
export function PriceEditor({
  model,
  price,
  onClose,
}: {
  model: string;
  price?: PriceDto;
  onClose(): void;
}) {
  useReturnFocus();
  const [input, setInput] = useState(price ? moneyInputText(price.input_micros_per_mtok) : "");
  const [output, setOutput] = useState(price ? moneyInputText(price.output_micros_per_mtok) : "");
  const [cacheRead, setCacheRead] = useState(
    price?.cache_read_micros_per_mtok != null
      ? moneyInputText(price.cache_read_micros_per_mtok)
      : "",
  );
  const [cacheWrite, setCacheWrite] = useState(
    price?.cache_write_micros_per_mtok != null
      ? moneyInputText(price.cache_write_micros_per_mtok)
      : "",
  );
  const [mode, setMode] = useState<BillingMode>(price?.billing_mode ?? "org");
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  const inp = priceField(input);
  const out = priceField(output);
  const read = cacheField(cacheRead);
  const write = cacheField(cacheWrite);

  async function run(action: () => Promise<unknown>) {
    setSaving(true);
    setError(undefined);
    try {
      await action();
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={`Price of ${model}`}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTried(true);
          if (
            inp.micros === undefined ||
            out.micros === undefined ||
            read.micros === undefined ||
            write.micros === undefined
          )
            return;
          void run(() =>
            usePoolsStore.getState().setPrice(model, {
              input_micros_per_mtok: inp.micros!,
              output_micros_per_mtok: out.micros!,
              cache_read_micros_per_mtok: read.micros,
              cache_write_micros_per_mtok: write.micros,
              billing_mode: mode,
            }),
          );
        }}
      >
        <Stack gap="sm">
          <TextInput
            label="Input, $ per million tokens"
            placeholder="0.15"
            value={input}
            onChange={(e) => setInput(e.currentTarget.value)}
            error={tried && inp.error}
            data-autofocus
          />
          <TextInput
            label="Output, $ per million tokens"
            placeholder="0.60"
            value={output}
            onChange={(e) => setOutput(e.currentTarget.value)}
            error={tried && out.error}
          />
          <Group grow align="flex-start">
            <TextInput
              label="Cache reads, $ per million"
              description="Blank: the input price"
              placeholder="0.30"
              value={cacheRead}
              onChange={(e) => setCacheRead(e.currentTarget.value)}
              error={tried && read.error}
            />
            <TextInput
              label="Cache writes, $ per million"
              description="Blank: the input price"
              placeholder="3.75"
              value={cacheWrite}
              onChange={(e) => setCacheWrite(e.currentTarget.value)}
              error={tried && write.error}
            />
          </Group>
          <Select
            label="Who pays"
            data={[
              { value: "org", label: "The lab (org budget or credits)" },
              { value: "member", label: "The member (their credits)" },
            ]}
            value={mode}
            allowDeselect={false}
            onChange={(v) => v && setMode(v as BillingMode)}
          />
          {error && (
            <Alert color="red" title="Not saved">
              {error}
            </Alert>
          )}
          <Group justify="space-between">
            {price ? (
              <Button
                variant="subtle"
                color="red"
                onClick={() => void run(() => usePoolsStore.getState().deletePrice(model))}
              >
                Use catalog default
              </Button>
            ) : (
              <span />
            )}
            <Group gap="xs">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={saving}>
                Save price
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
