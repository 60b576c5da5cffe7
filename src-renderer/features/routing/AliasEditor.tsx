import type { AliasDto } from "@contract";
import { Alert, Button, Group, Modal, MultiSelect, Stack, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { errorText } from "../members/errorText";
import { TargetListEditor } from "./ListEditor";
import {
  aliasFormToBody,
  aliasToForm,
  emptyAliasForm,
  targetOptions,
  type AliasFormErrors,
  type AliasFormValues,
} from "./routingForm";

export interface AliasEditorProps {
  /** The alias edited; undefined creates one. */
  alias?: AliasDto;
  ids: { localModels: string[]; pools: string[]; aliases: string[] };
  categories: string[];
  save: (
    id: string,
    body: { description: string; targets: string[]; categories: string[] },
  ) => Promise<unknown>;
  readOnly?: boolean;
  onClose: () => void;
}

/**
 * An alias in a dialog: the model id clients call (fixed once created), what it is for, its
 * targets in the order they are tried, and its categories (for access by category).
 */
export function AliasEditor({
  alias,
  ids,
  categories,
  save,
  readOnly = false,
  onClose,
}: AliasEditorProps) {
  const [values, setValues] = useState<AliasFormValues>(() =>
    alias ? aliasToForm(alias) : emptyAliasForm(),
  );
  const [errors, setErrors] = useState<AliasFormErrors>({});
  const [serverError, setServerError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<AliasFormValues>) => setValues((v) => ({ ...v, ...patch }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = aliasFormToBody(values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    setServerError(undefined);
    try {
      await save(checked.id, checked.body);
      onClose();
    } catch (err) {
      setServerError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={alias ? `Alias ${alias.id}` : "New alias"} size="lg">
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Alias">
        <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }}>
          <Stack gap="sm">
            <TextInput
              label="Model id"
              description="The name clients call, e.g. lab-default or coder."
              value={values.id}
              disabled={Boolean(alias)}
              onChange={(e) => set({ id: e.currentTarget.value })}
              error={errors.id}
              data-autofocus
            />
            <TextInput
              label="Description"
              value={values.description}
              onChange={(e) => set({ description: e.currentTarget.value })}
              error={errors.description}
            />
            <TargetListEditor
              targets={values.targets}
              onChange={(targets) => set({ targets })}
              options={targetOptions(ids, values.id.trim())}
              error={errors.targets}
            />
            <MultiSelect
              label="Categories"
              description="A member allowed one of these categories may call this alias."
              data={[...new Set([...categories, ...values.categories])]}
              value={values.categories}
              onChange={(v) => set({ categories: v })}
              searchable
              comboboxProps={{ withinPortal: true }}
            />
            {serverError && (
              <Alert color="red" title="Not saved">
                {serverError}
              </Alert>
            )}
            {!readOnly && (
              <Group justify="flex-end">
                <Button variant="default" onClick={onClose}>
                  Cancel
                </Button>
                <Button type="submit" loading={busy}>
                  {alias ? "Save alias" : "Create alias"}
                </Button>
              </Group>
            )}
          </Stack>
        </fieldset>
      </form>
    </Modal>
  );
}
