import { PII_MODES, PII_TYPES } from "@contract";
import { Checkbox, Group, Radio, Select, SimpleGrid, Stack, Text } from "@mantine/core";
import {
  MODE_HELP,
  MODE_LABELS,
  PII_TYPE_LABELS,
  type PiiMode,
  type PiiType,
  type PolicyFormErrors,
  type PolicyFormValues,
} from "./guardView";

export interface PolicyFieldsProps {
  values: PolicyFormValues;
  onChange: (patch: Partial<PolicyFormValues>) => void;
  errors: PolicyFormErrors;
  localModels: string[];
  scope: "org" | "member" | "model";
  /** The org policy's local model, which an override's keep-local falls back to. */
  orgKeepLocal: string | null;
  /** Distinguishes the ids of two forms on one page (the org's, an override's dialog). */
  idPrefix: string;
}

const RESTORE_CHOICES = [
  { value: "inherit", label: "As the org's policy says" },
  { value: "yes", label: "Yes" },
  { value: "no", label: "No" },
];

/**
 * The fields of one PII policy: the mode (each with what it does), the types it acts on, whether
 * it applies to local models, the local model keep-local uses, and whether placeholders are put
 * back into answers. A model's policy has no restore choice: restoring is the member's (or the
 * org's) decision, never a model's (src-main/guard/policies.ts).
 */
export function PolicyFields(p: PolicyFieldsProps) {
  const { values: v, onChange, errors } = p;
  const override = p.scope !== "org";
  return (
    <Stack gap="md">
      <Radio.Group
        label="When personal data is found"
        value={v.mode}
        onChange={(mode) => onChange({ mode: mode as PiiMode })}
      >
        <Stack gap={6} mt={6}>
          {PII_MODES.map((m) => (
            <Radio key={m} value={m} label={MODE_LABELS[m]} description={MODE_HELP[m]} />
          ))}
        </Stack>
      </Radio.Group>
      <Stack gap={6}>
        <Text size="sm" fw={500} id={`${p.idPrefix}-types-label`}>
          Personal data types
        </Text>
        <Checkbox
          label="All types"
          checked={v.allTypes}
          onChange={(e) => onChange({ allTypes: e.currentTarget.checked })}
        />
        <Checkbox.Group
          aria-labelledby={`${p.idPrefix}-types-label`}
          value={v.allTypes ? [...PII_TYPES] : v.types}
          onChange={(types) => onChange({ types: types as PiiType[] })}
          error={errors.types}
        >
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing={6} verticalSpacing={6}>
            {PII_TYPES.map((t) => (
              <Checkbox key={t} value={t} label={PII_TYPE_LABELS[t]} disabled={v.allTypes} />
            ))}
          </SimpleGrid>
        </Checkbox.Group>
      </Stack>
      <Checkbox
        label="Apply to local models too"
        description="Off: requests for local models are not scanned (nothing leaves this machine)."
        checked={v.applyLocal}
        onChange={(e) => onChange({ applyLocal: e.currentTarget.checked })}
      />
      <Group align="flex-start" gap="md" wrap="wrap">
        <Select
          label="Keep-local model"
          description={
            override
              ? `The local model that serves kept requests; empty: the org's (${p.orgKeepLocal ?? "none"}).`
              : "The local model that serves kept requests (needed for keep local)."
          }
          placeholder={override ? "The org's" : "Pick a local model"}
          data={p.localModels}
          value={v.keepLocalModel}
          onChange={(m) => onChange({ keepLocalModel: m })}
          clearable
          searchable
          error={errors.keepLocalModel}
          comboboxProps={{ withinPortal: true }}
          w={320}
        />
        {p.scope === "org" && (
          <Checkbox
            mt={28}
            label="Restore placeholders in answers"
            description="Members get their own values back in the answer."
            checked={v.restore ?? false}
            onChange={(e) => onChange({ restore: e.currentTarget.checked })}
          />
        )}
        {p.scope === "member" && (
          <Select
            label="Restore placeholders in answers"
            description="The member's own values back in the answer."
            data={RESTORE_CHOICES}
            value={v.restore === null ? "inherit" : v.restore ? "yes" : "no"}
            onChange={(c) => onChange({ restore: c === "yes" ? true : c === "no" ? false : null })}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
            w={260}
          />
        )}
      </Group>
    </Stack>
  );
}
