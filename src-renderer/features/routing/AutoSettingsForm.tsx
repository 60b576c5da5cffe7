import type { ClassifierKind, RoutingSettingsDto } from "@contract";
import {
  Alert,
  Button,
  Code,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useEffect, useState, type FormEvent } from "react";
import { errorText } from "../members/errorText";
import { settingsPatch } from "./routingForm";

export interface AutoSettingsFormProps {
  settings: RoutingSettingsDto;
  localModels: string[];
  categories: string[];
  targets: { group: string; items: string[] }[];
  canWrite: boolean;
  save: (patch: Partial<RoutingSettingsDto>) => Promise<unknown>;
}

const CLASSIFIER_HELP: Record<ClassifierKind, string> = {
  grammar:
    "The router model answers with one category name, constrained by a grammar to the listed names.",
  knn: "The prompt's embedding is compared with each category's example prompts; no generation.",
};

/**
 * How `auto` decides: the classifier, the local model that runs it, where unclear prompts and
 * categories without a target go, the kNN threshold and how much of a conversation is read.
 * Saving sends only what changed.
 */
export function AutoSettingsForm(p: AutoSettingsFormProps) {
  const [values, setValues] = useState(p.settings);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const held = JSON.stringify(p.settings);

  // What the server holds changed (saved here or elsewhere): show it unless edits are pending.
  useEffect(() => {
    if (!dirty) setValues(JSON.parse(held) as RoutingSettingsDto);
  }, [held, dirty]);

  const set = (patch: Partial<RoutingSettingsDto>) => {
    setValues((v) => ({ ...v, ...patch }));
    setDirty(true);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const patch = settingsPatch(p.settings, values);
    if (Object.keys(patch).length === 0) {
      setDirty(false);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await p.save(patch);
      setDirty(false);
      notifications.show({ message: "Routing settings saved. They apply from the next request." });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const firstLocal = p.localModels[0] ?? "none yet";
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="auto-settings-title">
      <Title order={2} size="h4" id="auto-settings-title">
        How auto classifies
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        A request for <Code>auto</Code> goes to its category&apos;s target. Every setting has a
        working default.
      </Text>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Auto settings">
        <fieldset disabled={!p.canWrite} style={{ border: 0, padding: 0, margin: 0 }}>
          <Stack gap="sm">
            <Stack gap={4}>
              <Text size="sm" fw={500} id="classifier-label">
                Classifier
              </Text>
              <SegmentedControl
                aria-labelledby="classifier-label"
                value={values.classifier}
                onChange={(v) => set({ classifier: v as ClassifierKind })}
                data={[
                  { value: "grammar", label: "Grammar (generation)" },
                  { value: "knn", label: "Embedding kNN" },
                ]}
                disabled={!p.canWrite}
                w="fit-content"
              />
              <Text size="xs" c="dimmed">
                {CLASSIFIER_HELP[values.classifier]}
              </Text>
            </Stack>
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
              <Select
                label="Router model"
                description="The local model that classifies (and embeds, for kNN)."
                placeholder={`First local model (${firstLocal})`}
                data={p.localModels}
                value={values.router_model}
                onChange={(v) => set({ router_model: v })}
                clearable
                searchable
              />
              <Select
                label="Default category"
                description="Where unclear or failed classifications go."
                data={p.categories}
                value={values.default_category}
                onChange={(v) => v && set({ default_category: v })}
                allowDeselect={false}
              />
              <Select
                label="Default target"
                description="Where a category without a target goes."
                placeholder={`First local model (${firstLocal})`}
                data={p.targets}
                value={values.default_target}
                onChange={(v) => set({ default_target: v })}
                clearable
                searchable
              />
              <NumberInput
                label="kNN minimum similarity"
                description="Below this cosine similarity a prompt is unclear (kNN only)."
                min={-1}
                max={1}
                step={0.05}
                decimalScale={3}
                value={values.knn_min_similarity}
                onChange={(v) => typeof v === "number" && set({ knn_min_similarity: v })}
              />
              <NumberInput
                label="Context read, in characters"
                description="How much of the conversation's end the classifier reads."
                min={100}
                max={20_000}
                step={500}
                allowDecimal={false}
                thousandSeparator=","
                value={values.context_chars}
                onChange={(v) => typeof v === "number" && set({ context_chars: v })}
              />
            </SimpleGrid>
            {error && (
              <Alert color="red" title="Not saved">
                {error}
              </Alert>
            )}
            {p.canWrite && (
              <Group justify="flex-end">
                <Button
                  variant="default"
                  disabled={!dirty || busy}
                  onClick={() => {
                    setValues(p.settings);
                    setDirty(false);
                    setError(undefined);
                  }}
                >
                  Undo changes
                </Button>
                <Button type="submit" loading={busy} disabled={!dirty}>
                  Save settings
                </Button>
              </Group>
            )}
          </Stack>
        </fieldset>
      </form>
    </Paper>
  );
}
