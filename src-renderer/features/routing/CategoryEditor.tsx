import type { CategoryDto } from "@contract";
import { Alert, Button, Group, Modal, Select, Stack, Textarea, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { errorText } from "../members/errorText";
import { ExamplesEditor } from "./ListEditor";
import {
  categoryFormToBody,
  categoryToForm,
  emptyCategoryForm,
  type CategoryFormErrors,
  type CategoryFormValues,
} from "./routingForm";

export interface CategoryEditorProps {
  /** The category edited; undefined adds one of the lab's own. */
  category?: CategoryDto;
  /** What a category may route to, grouped. */
  targets: { group: string; items: string[] }[];
  /** The default target's id as the settings resolve it, for "Default target (…)". */
  defaultTargetLabel: string;
  save: (
    name: string,
    body: { description: string; examples: string[]; target: string | null },
  ) => Promise<unknown>;
  /** Viewers: everything shown, nothing editable. */
  readOnly?: boolean;
  onClose: () => void;
}

/**
 * One category of the route table in a dialog: its description (what the grammar classifier
 * reads), example prompts (what the kNN classifier compares with) and where `auto` sends it.
 * The name is fixed once the category exists.
 */
export function CategoryEditor({
  category,
  targets,
  defaultTargetLabel,
  save,
  readOnly = false,
  onClose,
}: CategoryEditorProps) {
  const [values, setValues] = useState<CategoryFormValues>(() =>
    category ? categoryToForm(category) : emptyCategoryForm(),
  );
  const [errors, setErrors] = useState<CategoryFormErrors>({});
  const [serverError, setServerError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<CategoryFormValues>) => setValues((v) => ({ ...v, ...patch }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = categoryFormToBody(values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    setServerError(undefined);
    try {
      await save(checked.name, checked.body);
      onClose();
    } catch (err) {
      setServerError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      opened
      onClose={onClose}
      title={category ? `Category ${category.name}` : "New category"}
      size="lg"
    >
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Category">
        <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }}>
          <Stack gap="sm">
            <TextInput
              label="Name"
              description="What auto classifies into and access is given by: lower-case, e.g. lab-docs."
              value={values.name}
              disabled={Boolean(category)}
              onChange={(e) => set({ name: e.currentTarget.value })}
              error={errors.name}
              data-autofocus
            />
            <Textarea
              label="Description"
              description="What belongs here, in a sentence: the grammar classifier reads it."
              autosize
              minRows={2}
              value={values.description}
              onChange={(e) => set({ description: e.currentTarget.value })}
              error={errors.description}
            />
            <Select
              label="Target"
              description="Where auto sends this category: a model, pool or alias."
              placeholder={`Default target (${defaultTargetLabel})`}
              data={targets}
              value={values.target}
              onChange={(v) => set({ target: v })}
              clearable
              searchable
              comboboxProps={{ withinPortal: true }}
            />
            <ExamplesEditor
              examples={values.examples}
              onChange={(examples) => set({ examples })}
              error={errors.examples}
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
                  {category ? "Save category" : "Add category"}
                </Button>
              </Group>
            )}
          </Stack>
        </fieldset>
      </form>
    </Modal>
  );
}
