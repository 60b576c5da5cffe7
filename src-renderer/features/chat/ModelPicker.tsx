import { Group, Select, Stack, Text } from "@mantine/core";
import type { ChatModelOption } from "../../lib/chatModels";

export interface ModelPickerProps {
  models: ChatModelOption[];
  value: string | null;
  disabled: boolean;
  onChange(id: string): void;
}

/** Where a model runs and (when the caller may see prices) what it costs. */
const detail = (m: ChatModelOption) => [m.where, m.price].filter(Boolean).join(" · ");

/** The picker's groups, in order (chatModelOptions sorts the same way). */
const GROUPS: { kind: ChatModelOption["kind"]; label: string }[] = [
  { kind: "local", label: "This computer" },
  { kind: "routed", label: "Routed" },
  { kind: "remote", label: "Remote" },
];

/**
 * The models the caller may use: this computer's, then routes (`auto`, aliases), then remote
 * ones. A conversation's model that is no longer listed stays selected (sending to it then
 * explains that it is unavailable).
 */
export function ModelPicker({ models, value, disabled, onChange }: ModelPickerProps) {
  const byId = new Map(models.map((m) => [m.id, m]));
  const missing =
    value !== null && !byId.has(value) ? [{ value, label: `${value} (unavailable)` }] : [];
  const data = [
    ...GROUPS.map(({ kind, label }) => ({
      group: label,
      items: models.filter((m) => m.kind === kind).map((m) => ({ value: m.id, label: m.id })),
    })).filter((g) => g.items.length > 0),
    ...(missing.length ? [{ group: "Not available", items: missing }] : []),
  ];
  const selected = value ? byId.get(value) : undefined;
  return (
    <Select
      label="Model"
      placeholder={models.length ? "Pick a model" : "No models available"}
      data={data}
      value={value}
      onChange={(v) => v && onChange(v)}
      allowDeselect={false}
      searchable
      disabled={disabled}
      // Narrower below 1200 px so a laptop screen keeps room for the conversation's title.
      w={{ base: 260, lg: 320 }}
      inputWrapperOrder={["label", "input", "description"]}
      description={selected ? detail(selected) : undefined}
      renderOption={({ option }) => {
        const m = byId.get(option.value);
        return (
          <Stack gap={0}>
            <Text size="sm">{option.label}</Text>
            {m && (
              <Group gap={4}>
                <Text size="xs" c="dimmed">
                  {detail(m)}
                </Text>
              </Group>
            )}
          </Stack>
        );
      }}
    />
  );
}
