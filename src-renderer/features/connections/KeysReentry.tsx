import {
  ActionIcon,
  Alert,
  Button,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import type { KeyRow } from "./connectionMove";

interface KeysReentryProps {
  rows: KeyRow[];
  onChange(rows: KeyRow[]): void;
  /** Where the keys would go, `host[:port]`. */
  toHost: string;
  rowErrors: { label?: string; key?: string }[];
  listError?: string;
}

/**
 * Shown while an edit moves a connection that has keys: the stored keys are never sent to a new
 * address, so the admin enters them again here (one row per stored key, its label kept). They
 * replace the stored keys when the connection is saved. Keys live in this form's state only.
 */
export function KeysReentry({ rows, onChange, toHost, rowErrors, listError }: KeysReentryProps) {
  const put = (i: number, row: KeyRow) => onChange(rows.map((r, j) => (j === i ? row : r)));
  return (
    <Stack gap="xs" role="group" aria-labelledby="reenter-keys-label">
      <Alert color="yellow" title="Enter the keys again" id="reenter-keys-label">
        The new base URL points to {toHost}. This connection&apos;s stored keys are never sent to a
        new address: enter the key{rows.length === 1 ? "" : "s"} for it here. Saving replaces the
        stored keys, which are deleted.
      </Alert>
      {rows.map((row, i) => (
        <Group key={i} align="flex-start" gap="xs" wrap="nowrap">
          <TextInput
            aria-label={`Key ${i + 1} label`}
            placeholder="lab account"
            value={row.label}
            onChange={(e) => put(i, { ...row, label: e.currentTarget.value })}
            error={rowErrors[i]?.label}
            style={{ flex: 1 }}
          />
          <PasswordInput
            aria-label={`Key ${i + 1}`}
            placeholder="API key"
            autoComplete="off"
            value={row.key}
            onChange={(e) => put(i, { ...row, key: e.currentTarget.value })}
            error={rowErrors[i]?.key}
            style={{ flex: 2 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            size="lg"
            aria-label={`Remove key ${i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      {listError && (
        <Text size="sm" c="red">
          {listError}
        </Text>
      )}
      <Group>
        <Button
          variant="subtle"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => onChange([...rows, { label: "", key: "" }])}
        >
          Add a key
        </Button>
      </Group>
    </Stack>
  );
}
