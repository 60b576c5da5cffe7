import { ActionIcon, Button, Group, Select, Stack, Text, Textarea } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { moveItem } from "./routingForm";

/**
 * A category's example prompts, one per row (a prompt may span lines). Rows left empty are
 * dropped on save.
 */
export function ExamplesEditor({
  examples,
  onChange,
  error,
}: {
  examples: string[];
  onChange: (next: string[]) => void;
  error?: string;
}) {
  return (
    <Stack gap={6} role="group" aria-labelledby="examples-label">
      <Text size="sm" fw={500} id="examples-label">
        Example prompts
      </Text>
      <Text size="xs" c="dimmed">
        The kNN classifier routes a prompt to the category of its most similar example.
      </Text>
      {examples.map((text, i) => (
        <Group key={i} gap="xs" wrap="nowrap" align="flex-start">
          <Textarea
            aria-label={`Example ${i + 1}`}
            autosize
            minRows={1}
            maxRows={4}
            value={text}
            onChange={(e) => {
              const value = e.currentTarget.value;
              onChange(examples.map((x, j) => (j === i ? value : x)));
            }}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            size="lg"
            aria-label={`Remove example ${i + 1}`}
            onClick={() => onChange(examples.filter((_, j) => j !== i))}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      {error && (
        <Text c="red" size="sm">
          {error}
        </Text>
      )}
      <Group>
        <Button
          variant="subtle"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => onChange([...examples, ""])}
        >
          Add example
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * An alias's targets in the order they are tried: move up and down, remove, add one picked
 * from the models, pools and aliases that exist.
 */
export function TargetListEditor({
  targets,
  onChange,
  options,
  error,
}: {
  targets: string[];
  onChange: (next: string[]) => void;
  options: { group: string; items: string[] }[];
  error?: string;
}) {
  const [adding, setAdding] = useState<string | null>(null);
  const free = options
    .map((g) => ({ ...g, items: g.items.filter((id) => !targets.includes(id)) }))
    .filter((g) => g.items.length > 0);
  return (
    <Stack gap={6} role="group" aria-labelledby="alias-targets-label">
      <Text size="sm" fw={500} id="alias-targets-label">
        Targets, in the order they are tried
      </Text>
      <Text size="xs" c="dimmed">
        The next one takes over when a target is unavailable, busy, times out or fails with a 5xx;
        never on a request error.
      </Text>
      {targets.length === 0 && (
        <Text size="sm" c="dimmed">
          No target yet.
        </Text>
      )}
      <Stack gap={4} component="ol" m={0} p={0} style={{ listStyle: "none" }}>
        {targets.map((id, i) => (
          <Group key={id} component="li" gap="xs" wrap="nowrap" data-target={id}>
            <Text size="sm" c="dimmed" w={20} ta="right">
              {i + 1}.
            </Text>
            <Text size="sm" ff="monospace" style={{ flex: 1 }}>
              {id}
            </Text>
            <ActionIcon
              variant="subtle"
              aria-label={`Move ${id} up`}
              disabled={i === 0}
              onClick={() => onChange(moveItem(targets, i, -1))}
            >
              <IconArrowUp size={16} />
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              aria-label={`Move ${id} down`}
              disabled={i === targets.length - 1}
              onClick={() => onChange(moveItem(targets, i, 1))}
            >
              <IconArrowDown size={16} />
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={`Remove ${id}`}
              onClick={() => onChange(targets.filter((t) => t !== id))}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        ))}
      </Stack>
      {error && (
        <Text c="red" size="sm">
          {error}
        </Text>
      )}
      <Group gap="xs" align="flex-end">
        <Select
          aria-label="Target to add"
          placeholder="Pick a model, pool or alias"
          data={free}
          value={adding}
          onChange={setAdding}
          searchable
          w={280}
          comboboxProps={{ withinPortal: true }}
        />
        <Button
          variant="light"
          leftSection={<IconPlus size={14} />}
          disabled={!adding}
          onClick={() => {
            if (adding) onChange([...targets, adding]);
            setAdding(null);
          }}
        >
          Add target
        </Button>
      </Group>
    </Stack>
  );
}
