import type { GuardPolicyDto, PutGuardPolicyBody } from "@contract";
import { Alert, Button, Group, Paper, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useState, type FormEvent } from "react";
import { errorText } from "../members/errorText";
import {
  policyFormToBody,
  policyToForm,
  type PolicyFormErrors,
  type PolicyFormValues,
} from "./guardView";
import { PolicyFields } from "./PolicyFields";

export interface OrgPolicyFormProps {
  policy: GuardPolicyDto;
  localModels: string[];
  canWrite: boolean;
  save: (body: PutGuardPolicyBody) => Promise<unknown>;
}

/** The org's PII policy: the default for every member and model without one of their own. */
export function OrgPolicyForm(p: OrgPolicyFormProps) {
  const [values, setValues] = useState(() => policyToForm(p.policy));
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<PolicyFormErrors>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const held = JSON.stringify(p.policy);

  // What the server holds changed (saved here or elsewhere): show it unless edits are pending.
  useEffect(() => {
    if (!dirty) setValues(policyToForm(JSON.parse(held) as GuardPolicyDto));
  }, [held, dirty]);

  const set = (patch: Partial<PolicyFormValues>) => {
    setValues((v) => ({ ...v, ...patch }));
    setDirty(true);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = policyFormToBody(values, { scope: "org", orgKeepLocal: null });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    setError(undefined);
    try {
      await p.save(checked.body);
      setDirty(false);
      notifications.show({ message: "Org policy saved. It applies from the next request." });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="org-policy-title">
      <Title order={2} size="h4" id="org-policy-title">
        Org policy
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        What happens to personal data in requests bound for remote providers, unless a member or
        model has a policy of its own.
      </Text>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Org policy">
        <fieldset disabled={!p.canWrite} style={{ border: 0, padding: 0, margin: 0 }}>
          <PolicyFields
            values={values}
            onChange={set}
            errors={errors}
            localModels={p.localModels}
            scope="org"
            orgKeepLocal={null}
            idPrefix="org"
          />
          {error && (
            <Alert color="red" title="Not saved" mt="sm">
              {error}
            </Alert>
          )}
          {p.canWrite && (
            <Group justify="flex-end" mt="sm">
              <Button
                variant="default"
                disabled={!dirty || busy}
                onClick={() => {
                  setValues(policyToForm(p.policy));
                  setDirty(false);
                  setErrors({});
                  setError(undefined);
                }}
              >
                Undo changes
              </Button>
              <Button type="submit" loading={busy} disabled={!dirty}>
                Save org policy
              </Button>
            </Group>
          )}
        </fieldset>
      </form>
    </Paper>
  );
}
