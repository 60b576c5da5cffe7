import { Button, Group, Textarea } from "@mantine/core";
import { useEffect, useState } from "react";

/** The conversation's system prompt, saved with the conversation when "Save" is pressed. */
export function SystemPromptEditor({
  value,
  disabled,
  onSave,
}: {
  value: string;
  disabled: boolean;
  onSave(text: string): void;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <Textarea
        style={{ flex: 1 }}
        label="System prompt"
        description="Sent before every message of this conversation."
        value={draft}
        onChange={(e) => setDraft(e.currentTarget.value)}
        autosize
        minRows={2}
        maxRows={8}
        disabled={disabled}
      />
      <Button
        variant="default"
        disabled={disabled || draft === value}
        onClick={() => onSave(draft)}
      >
        Save
      </Button>
    </Group>
  );
}
