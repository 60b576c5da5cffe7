import { Button, Group, Textarea } from "@mantine/core";
import { IconPlayerStopFilled, IconSend } from "@tabler/icons-react";
import { useEffect, useState } from "react";

export interface ComposerProps {
  streaming: boolean;
  disabled: boolean;
  onSend(text: string): void;
  onStop(): void;
}

/** The message box. Enter sends, Shift+Enter starts a new line, Esc stops an answer. */
export function Composer({ streaming, disabled, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const send = () => {
    if (streaming || disabled || !text.trim()) return;
    onSend(text);
    setText("");
  };

  // Esc stops the answer wherever the focus is (the box may not have it while reading).
  useEffect(() => {
    if (!streaming) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onStop();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [streaming, onStop]);

  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <Textarea
        style={{ flex: 1 }}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          // Not while an input method is composing: its Enter picks a candidate.
          if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            send();
          }
        }}
        placeholder="Message (Enter sends, Shift+Enter for a new line)"
        aria-label="Message"
        autosize
        minRows={2}
        maxRows={10}
        disabled={disabled}
      />
      {streaming ? (
        <Button color="red" leftSection={<IconPlayerStopFilled size={16} />} onClick={onStop}>
          Stop
        </Button>
      ) : (
        <Button
          leftSection={<IconSend size={16} />}
          onClick={send}
          disabled={disabled || !text.trim()}
        >
          Send
        </Button>
      )}
    </Group>
  );
}
