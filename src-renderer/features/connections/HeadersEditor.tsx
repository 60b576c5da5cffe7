import { ActionIcon, Button, Group, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import type { HeaderRow } from "./connectionForm";

interface HeadersEditorProps {
  rows: HeaderRow[];
  onChange(rows: HeaderRow[]): void;
  /** One message per row (undefined: fine). */
  rowErrors: (string | undefined)[];
  listError?: string;
}

/**
 * Extra request headers as name/value rows (e.g. OpenRouter's `http-referer`). The provider key
 * itself is refused here (it goes in the Keys section); other credential headers (a name with
 * key, token, secret or auth, e.g. `cf-aig-authorization`) are encrypted by the server and come
 * back masked (`…abcd`): left as they are, they keep their stored value.
 */
export function HeadersEditor({ rows, onChange, rowErrors, listError }: HeadersEditorProps) {
  const put = (i: number, row: HeaderRow) => onChange(rows.map((r, j) => (j === i ? row : r)));
  return (
    <Stack gap="xs" role="group" aria-labelledby="headers-label">
      <Text size="sm" fw={500} id="headers-label">
        Extra headers
      </Text>
      <Text size="xs" c="dimmed">
        Sent with every request to this provider. The API key goes in the Keys section. Headers
        named like a credential (key, token, secret, auth) are encrypted and shown masked (…abcd);
        leave a masked value as it is to keep it.
      </Text>
      {rows.map((row, i) => (
        <Group key={i} align="flex-start" gap="xs" wrap="nowrap">
          <TextInput
            aria-label={`Header ${i + 1} name`}
            placeholder="x-title"
            value={row.name}
            onChange={(e) => put(i, { ...row, name: e.currentTarget.value })}
            error={rowErrors[i]}
            style={{ flex: 1 }}
          />
          <TextInput
            aria-label={`Header ${i + 1} value`}
            placeholder="value"
            value={row.value}
            onChange={(e) => put(i, { ...row, value: e.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            size="lg"
            aria-label={`Remove header ${i + 1}`}
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
          onClick={() => onChange([...rows, { name: "", value: "" }])}
        >
          Add header
        </Button>
      </Group>
    </Stack>
  );
}
