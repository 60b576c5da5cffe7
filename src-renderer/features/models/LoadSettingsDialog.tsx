import type { KvCacheTypeDto, LocalModelDto, LocalModelListDto } from "@contract";
import {
  Alert,
  Button,
  Code,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useReturnFocus } from "../../components/useReturnFocus";
import {
  effectiveContextText,
  formToBody,
  KV_CACHE_TYPES,
  MAX_GPU_LAYERS,
  MAX_SEQUENCES,
  maxContextOf,
  MIN_CONTEXT_SIZE,
  reloadText,
  settingsToForm,
  type LoadSettingsErrors,
  type LoadSettingsFormValues,
} from "../../lib/loadSettingsForm";
import { useModelsStore } from "../../stores/useModelsStore";
import { errorText } from "../members/errorText";

const fmt = (n: number) => n.toLocaleString("en-US");

export interface LoadSettingsDialogProps {
  /** The model as the page last read it (its `effective` values follow the page's refreshes). */
  model: LocalModelDto;
  /** The engine's defaults (for what "Auto" means) and the machine's GPU. */
  engine: LocalModelListDto["engine"];
  gpu: string | null;
  onClose(): void;
}

/** One field: its name, how it is set (a segmented control), its input, and what it runs with. */
function Field(props: {
  label: string;
  modes?: { value: string; label: string }[];
  mode?: string;
  onMode?: (mode: string) => void;
  children?: ReactNode;
  /** What the model is (or will be) loaded with. */
  now: string;
}) {
  return (
    <Stack gap={4}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" fw={500}>
          {props.label}
        </Text>
        {props.modes && (
          <SegmentedControl
            size="xs"
            aria-label={`${props.label}: how it is set`}
            data={props.modes}
            value={props.mode}
            onChange={(m) => props.onMode?.(m)}
          />
        )}
      </Group>
      {props.children}
      <Text size="xs" c="dimmed" data-effective={props.label}>
        Now: {props.now}
      </Text>
    </Stack>
  );
}

/**
 * A model's load settings: context size, GPU layers, flash attention, KV-cache type, sequences.
 * Each is "Auto" (the engine's default or what fits) or a value; the form checks the server's
 * limits, and Save stores them (a loaded model reloads with them). Mount it only while open.
 */
export function LoadSettingsDialog({ model, engine, gpu, onClose }: LoadSettingsDialogProps) {
  useReturnFocus();
  const [values, setValues] = useState<LoadSettingsFormValues>(() =>
    settingsToForm(model.settings),
  );
  const [errors, setErrors] = useState<LoadSettingsErrors>({});
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string>();
  const [result, setResult] = useState<string>();
  const eff = model.effective;
  const maxContext = maxContextOf(model);
  // The outcome is below the fields: brought into view, or it would be off screen on a short window.
  const outcome = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (failure || result) outcome.current?.scrollIntoView?.({ block: "nearest" });
  }, [failure, result]);

  const update = (next: Partial<LoadSettingsFormValues>, field?: keyof LoadSettingsErrors) => {
    setValues((v) => ({ ...v, ...next }));
    if (field) setErrors((e) => ({ ...e, [field]: undefined }));
    setDirty(true);
    setResult(undefined);
  };

  const submit = async () => {
    const parsed = formToBody(values, model);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setSaving(true);
    setFailure(undefined);
    setResult(undefined);
    try {
      const saved = await useModelsStore.getState().saveSettings(model.id, parsed.body);
      setValues(settingsToForm(saved.settings));
      setDirty(false);
      setResult(reloadText(saved.reload, saved));
    } catch (err) {
      setFailure(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const autoOrSet = [
    { value: "auto", label: "Auto" },
    { value: "set", label: "Set" },
  ];
  const autoContext =
    engine.context_size === "auto"
      ? `the largest that fits, up to ${model.context_length === null ? "the training context" : fmt(maxContext)}`
      : `the engine's ${fmt(engine.context_size)}`;

  return (
    <Modal opened onClose={onClose} title={`Load settings of ${model.id}`} size="lg">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {model.state === "not_loaded"
              ? "Saved settings apply at the model's next load."
              : "Saving reloads the model with them (after the requests it is serving finish)."}
          </Text>
          <Field
            label="Context size"
            modes={autoOrSet}
            mode={values.context.auto ? "auto" : "set"}
            onMode={(m) =>
              update({ context: { ...values.context, auto: m === "auto" } }, "context")
            }
            now={`${effectiveContextText(model)} tokens per sequence`}
          >
            <TextInput
              aria-label="Context size"
              inputMode="numeric"
              placeholder={
                values.context.auto ? undefined : `e.g. ${fmt(Math.min(32_768, maxContext))}`
              }
              disabled={values.context.auto}
              value={values.context.auto ? "" : values.context.value}
              onChange={(e) =>
                update({ context: { auto: false, value: e.currentTarget.value } }, "context")
              }
              error={errors.context}
              description={
                values.context.auto
                  ? `Auto: ${autoContext}.`
                  : `Tokens per sequence, ${fmt(MIN_CONTEXT_SIZE)} to ${fmt(maxContext)}${model.context_length === null ? "" : " (the training context)"}.`
              }
              data-autofocus
            />
          </Field>
          <Field
            label="Sequences"
            modes={autoOrSet}
            mode={values.sequences.auto ? "auto" : "set"}
            onMode={(m) =>
              update({ sequences: { ...values.sequences, auto: m === "auto" } }, "sequences")
            }
            now={`${fmt(eff.sequences)} at once`}
          >
            <TextInput
              aria-label="Sequences"
              inputMode="numeric"
              placeholder={values.sequences.auto ? undefined : `e.g. ${engine.sequences}`}
              disabled={values.sequences.auto}
              value={values.sequences.auto ? "" : values.sequences.value}
              onChange={(e) =>
                update({ sequences: { auto: false, value: e.currentTarget.value } }, "sequences")
              }
              error={errors.sequences}
              description={
                values.sequences.auto
                  ? `Auto: the engine's ${engine.sequences}.`
                  : `Requests decoded together, 1 to ${MAX_SEQUENCES}; each has the whole context.`
              }
            />
          </Field>
          <Field
            label="GPU layers"
            modes={[...autoOrSet.slice(0, 1), { value: "max", label: "All" }, autoOrSet[1]!]}
            mode={values.gpuLayers.mode}
            onMode={(m) =>
              update(
                { gpuLayers: { ...values.gpuLayers, mode: m as "auto" | "max" | "set" } },
                "gpuLayers",
              )
            }
            now={
              eff.gpu_layers === "auto"
                ? "auto"
                : eff.gpu_layers === "max"
                  ? "all"
                  : `${fmt(eff.gpu_layers)} of ${fmt(model.fit.total_layers)}`
            }
          >
            <TextInput
              aria-label="GPU layers"
              inputMode="numeric"
              disabled={values.gpuLayers.mode !== "set"}
              value={values.gpuLayers.mode === "set" ? values.gpuLayers.value : ""}
              onChange={(e) =>
                update({ gpuLayers: { mode: "set", value: e.currentTarget.value } }, "gpuLayers")
              }
              error={errors.gpuLayers}
              description={
                (values.gpuLayers.mode === "auto"
                  ? "Auto: as many layers as fit in free VRAM."
                  : values.gpuLayers.mode === "max"
                    ? "Every layer on the GPU."
                    : `Layers on the GPU, 0 to ${fmt(MAX_GPU_LAYERS)} (the model has ${fmt(model.fit.total_layers)}).`) +
                (gpu === null ? " No GPU here: ignored." : "")
              }
            />
          </Field>
          <Field
            label="Flash attention"
            modes={[
              { value: "auto", label: "Auto" },
              { value: "on", label: "On" },
              { value: "off", label: "Off" },
            ]}
            mode={values.flashAttention}
            onMode={(m) =>
              update(
                { flashAttention: m as LoadSettingsFormValues["flashAttention"] },
                "kvCacheType",
              )
            }
            now={eff.flash_attention === "auto" ? "auto" : eff.flash_attention ? "on" : "off"}
          />
          <Field label="KV-cache type" now={eff.kv_cache_type}>
            <Select
              aria-label="KV-cache type"
              data={[
                { value: "auto", label: "Default (f16)" },
                ...KV_CACHE_TYPES.map((t) => ({ value: t, label: t })),
              ]}
              value={values.kvCacheType}
              allowDeselect={false}
              onChange={(v) =>
                v && update({ kvCacheType: v as "auto" | KvCacheTypeDto }, "kvCacheType")
              }
              error={errors.kvCacheType}
              description="q8_0 halves the cache, q4_0 quarters it; quantized types need flash attention."
            />
          </Field>
          <div ref={outcome}>
            {failure && (
              <Alert color="red" title="Not saved" role="alert">
                {failure}
              </Alert>
            )}
            {result && (
              <Alert color="teal" title="Saved" role="status">
                {result}
              </Alert>
            )}
          </div>
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              API: <Code>PATCH /manage/v1/models/{model.id}/settings</Code>
            </Text>
            <Group gap="xs">
              <Button variant="default" onClick={onClose}>
                {dirty ? "Cancel" : "Close"}
              </Button>
              <Button type="submit" loading={saving} disabled={!dirty}>
                Save settings
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
