import type { GuardPolicyDto, PutGuardPolicyBody } from "@contract";
import { Alert, Button, Group, Modal, Select, Stack } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { errorText } from "../members/errorText";
import {
  emptyOverrideForm,
  policyFormToBody,
  policyToForm,
  type PolicyFormErrors,
  type PolicyFormValues,
} from "./guardView";
import { PolicyFields } from "./PolicyFields";

export interface PolicyEditorProps {
  scope: "member" | "model";
  /** The policy edited; undefined creates one (the target is picked from `choices`). */
  policy?: GuardPolicyDto;
  /** What a new policy may be set on: Select data (flat or grouped). */
  choices: { value: string; label: string }[] | { group: string; items: string[] }[];
  /** The heading of an existing policy, e.g. "Policy of Ada". */
  title: string;
  localModels: string[];
  orgKeepLocal: string | null;
  readOnly: boolean;
  save: (id: string, body: PutGuardPolicyBody) => Promise<unknown>;
  onClose: () => void;
}

/** A member's or a model's policy in a dialog: where it applies (fixed once set) and its fields. */
export function PolicyEditor(p: PolicyEditorProps) {
  const [target, setTarget] = useState<string | null>(p.policy?.scope_id ?? null);
  const [values, setValues] = useState<PolicyFormValues>(() =>
    p.policy ? policyToForm(p.policy) : emptyOverrideForm(),
  );
  const [errors, setErrors] = useState<PolicyFormErrors>({});
  const [serverError, setServerError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = policyFormToBody(values, { scope: p.scope, orgKeepLocal: p.orgKeepLocal });
    const next: PolicyFormErrors = checked.ok ? {} : { ...checked.errors };
    if (!target) next.id = p.scope === "member" ? "Pick a member." : "Pick a model.";
    setErrors(next);
    if (!checked.ok || !target) return;
    setBusy(true);
    setServerError(undefined);
    try {
      await p.save(target, checked.body);
      p.onClose();
    } catch (err) {
      setServerError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const heading = p.policy
    ? p.title
    : p.scope === "member"
      ? "New member policy"
      : "New model policy";
  return (
    <Modal opened onClose={p.onClose} title={heading} size="lg">
      <form onSubmit={(e) => void submit(e)} noValidate aria-label={heading}>
        <fieldset disabled={p.readOnly} style={{ border: 0, padding: 0, margin: 0 }}>
          <Stack gap="md">
            {!p.policy && (
              <Select
                label={p.scope === "member" ? "Member" : "Model, pool or alias"}
                data={p.choices}
                value={target}
                onChange={setTarget}
                searchable
                error={errors.id}
                comboboxProps={{ withinPortal: true }}
                data-autofocus
              />
            )}
            <PolicyFields
              values={values}
              onChange={(patch) => setValues((v) => ({ ...v, ...patch }))}
              errors={errors}
              localModels={p.localModels}
              scope={p.scope}
              orgKeepLocal={p.orgKeepLocal}
              idPrefix={`edit-${p.scope}`}
            />
            {serverError && (
              <Alert color="red" title="Not saved">
                {serverError}
              </Alert>
            )}
            {!p.readOnly && (
              <Group justify="flex-end">
                <Button variant="default" onClick={p.onClose}>
                  Cancel
                </Button>
                <Button type="submit" loading={busy}>
                  Save policy
                </Button>
              </Group>
            )}
          </Stack>
        </fieldset>
      </form>
    </Modal>
  );
}
