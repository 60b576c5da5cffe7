import type { EffectiveLimitsDto, LimitsDto, LimitsViewDto } from "@contract";
import {
  Button,
  Group,
  MultiSelect,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useState, type FormEvent } from "react";
import { ApiRequestError } from "../../api/ApiRequestError";
import {
  COUNT_FIELDS,
  formToLimits,
  limitsToForm,
  LIST_FIELDS,
  MONEY_FIELDS,
  type LimitEntry,
  type LimitField,
  type LimitMode,
  type ListField,
  type LimitsFormErrors,
  type LimitsFormValues,
} from "../../lib/limitsForm";
import { errorText } from "./errorText";
import { accessText, describeLimit, LIMIT_LABELS } from "./limitText";

export interface LimitsFormProps {
  /** Names the form for assistive technology, e.g. "Limits of Ada". */
  label: string;
  view: LimitsViewDto;
  /** Member scope: fields may inherit the default (org and default scopes cannot). */
  inherits: boolean;
  /** Model ids offered for the allow-list. */
  models: string[];
  /** Category names offered for access by category (`GET /routing`, staff only). */
  categories: string[];
  /** Saves the whole set (`PUT …/limits`). */
  onSave: (body: LimitsDto) => Promise<LimitsViewDto>;
}

const FIELD_KEYS = [...COUNT_FIELDS, ...MONEY_FIELDS].map((f) => f.key);
const LIST_KEYS = LIST_FIELDS.map((f) => f.key);

/** Org and default scopes have no "inherit": an absent field there means no limit. */
function normalized(values: LimitsFormValues, inherits: boolean): LimitsFormValues {
  if (inherits) return values;
  const out = { ...values };
  for (const key of [...FIELD_KEYS, ...LIST_KEYS])
    if (out[key].mode === "inherit") out[key] = { ...out[key], mode: "none" } as never;
  return out;
}

/**
 * Limits edited inline: per field "Default" (inherit), "No limit", or a value. Money is typed in
 * dollars and saved as exact micro-dollars; the server checks everything again.
 */
export function LimitsForm({ label, view, inherits, models, categories, onSave }: LimitsFormProps) {
  const initial = () => normalized(limitsToForm(view.set), inherits);
  const [values, setValues] = useState<LimitsFormValues>(initial);
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<LimitsFormErrors>({});
  const [busy, setBusy] = useState(false);
  const setKey = JSON.stringify(view.set);

  // What the server holds changed (saved here, or elsewhere): show it unless edits are pending.
  useEffect(() => {
    if (!dirty) setValues(normalized(limitsToForm(JSON.parse(setKey) as LimitsDto), inherits));
  }, [setKey, dirty, inherits]);

  const update = <K extends LimitField>(
    key: K,
    next: Partial<LimitEntry<LimitsFormValues[K]["value"]>>,
  ) => {
    setValues((v) => ({ ...v, [key]: { ...v[key], ...next } }));
    setErrors((e) => ({ ...e, [key]: undefined }));
    setDirty(true);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const result = formToLimits(values, { omitNone: !inherits });
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setBusy(true);
    try {
      await onSave(result.body);
      setDirty(false);
      notifications.show({ message: "Limits saved. They apply from the next request." });
    } catch (err) {
      const param = err instanceof ApiRequestError ? err.serverError?.param : undefined;
      const field = [...FIELD_KEYS, ...LIST_KEYS].find((k) => param?.startsWith(k));
      if (field) setErrors({ [field]: errorText(err) });
      else notifications.show({ color: "red", title: "Limits not saved", message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const modes = [
    ...(inherits ? [{ value: "inherit", label: "Default" }] : []),
    { value: "none", label: "No limit" },
    { value: "set", label: "Set" },
  ];

  const modeControl = (key: LimitField, fieldLabel: string) => (
    <SegmentedControl
      size="xs"
      aria-label={`${fieldLabel}: how it is set`}
      name={`${label}-${key}-mode`}
      data={modes}
      value={values[key].mode}
      onChange={(mode) => update(key, { mode: mode as LimitMode })}
    />
  );

  const hint = (key: keyof EffectiveLimitsDto) =>
    values[key].mode === "inherit"
      ? `Default: ${describeLimit(key, view.effective[key])}`
      : undefined;

  // What each access list allows as the form stands: inherited ones at the default's value. Read
  // together, since with one list set the other grants only what it lists.
  const listValue = (key: ListField) =>
    values[key].mode === "inherit"
      ? view.effective[key]
      : values[key].mode === "none"
        ? null
        : values[key].value;
  const access = accessText(listValue("allowed_models"), listValue("allowed_categories"));
  const listOptions = { allowed_models: models, allowed_categories: categories };
  const listPlaceholder = {
    allowed_models: "Pick models (none: no model)",
    allowed_categories: "Pick categories (none: no category)",
  };

  const listField = (key: ListField) => {
    const entry = values[key];
    const fieldLabel = LIMIT_LABELS[key];
    return (
      <Stack gap={4} key={key}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm" fw={500}>
            {fieldLabel}
          </Text>
          {modeControl(key, fieldLabel)}
        </Group>
        <MultiSelect
          aria-label={fieldLabel}
          data={[...new Set([...listOptions[key], ...entry.value])]}
          value={entry.value}
          onChange={(v) => update(key, { value: v })}
          disabled={entry.mode !== "set"}
          placeholder={entry.mode === "set" ? listPlaceholder[key] : undefined}
          searchable
          error={errors[key]}
          description={
            entry.mode === "inherit"
              ? `Default: ${access[key]}`
              : entry.mode === "none"
                ? access[key]
                : undefined
          }
        />
      </Stack>
    );
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label={label} noValidate>
      <Stack gap="md">
        {/* Two columns where the form itself is wide enough, whatever the window's width. */}
        <SimpleGrid
          type="container"
          cols={{ base: 1, "620px": 2 }}
          spacing="lg"
          verticalSpacing="md"
        >
          {[...COUNT_FIELDS, ...MONEY_FIELDS].map((f) => {
            const money = f.key === "daily_cap_micros" || f.key === "monthly_cap_micros";
            const entry = values[f.key];
            return (
              <Stack key={f.key} gap={4}>
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <Text size="sm" fw={500}>
                    {f.label}
                  </Text>
                  {modeControl(f.key, f.label)}
                </Group>
                <TextInput
                  aria-label={f.label}
                  inputMode={money ? "decimal" : "numeric"}
                  leftSection={money ? "$" : undefined}
                  placeholder={money ? "0.00" : "e.g. 60"}
                  disabled={entry.mode !== "set"}
                  value={entry.mode === "set" ? entry.value : ""}
                  onChange={(e) => update(f.key, { value: e.currentTarget.value })}
                  error={errors[f.key]}
                  description={hint(f.key) ?? (entry.mode === "none" ? "No limit" : undefined)}
                />
              </Stack>
            );
          })}
        </SimpleGrid>
        {LIST_KEYS.map((key) => listField(key))}
        <Group justify="flex-end">
          <Button
            variant="default"
            disabled={!dirty || busy}
            onClick={() => {
              setValues(initial());
              setErrors({});
              setDirty(false);
            }}
          >
            Undo changes
          </Button>
          <Button type="submit" loading={busy} disabled={!dirty}>
            Save limits
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
