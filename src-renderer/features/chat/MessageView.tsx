import {
  ActionIcon,
  Button,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Textarea,
  Tooltip,
} from "@mantine/core";
import { IconPencil, IconRefresh } from "@tabler/icons-react";
import { useState } from "react";
import { messageMetricsText } from "../../lib/chatMetrics";
import { queueText, routeText } from "../../lib/chatStream";
import type { ChatMessage } from "../../stores/useChatStore";
import { CopyTextButton } from "../members/CopyTextButton";
import { ChatErrorNotice } from "./ChatErrorNotice";
import { Markdown } from "./Markdown";

export interface MessageViewProps {
  message: ChatMessage;
  /** Another answer is streaming: regenerate and edit wait for it. */
  busy: boolean;
  onRegenerate(id: string): void;
  onEditAndResend(id: string, text: string): void;
}

/**
 * One message: the person's text as they typed it (plain, never markdown), an answer as safe
 * markdown with its metrics line, and copy / regenerate / edit-and-resend.
 */
export function MessageView({ message: m, busy, onRegenerate, onEditAndResend }: MessageViewProps) {
  const [editing, setEditing] = useState<string | null>(null);
  const assistant = m.role === "assistant";
  const metrics = messageMetricsText(m);
  return (
    <Paper
      withBorder={!assistant}
      bg={assistant ? undefined : "var(--mantine-color-default-hover)"}
      p="sm"
      data-role={m.role}
      aria-label={assistant ? "Answer" : "Your message"}
      className="chat-message"
    >
      <Stack gap={6}>
        <Text size="xs" c="dimmed" fw={600}>
          {assistant ? (m.model ?? "Assistant") : m.role === "user" ? "You" : "System"}
        </Text>
        {editing !== null ? (
          <Stack gap={6}>
            <Textarea
              value={editing}
              onChange={(e) => setEditing(e.currentTarget.value)}
              autosize
              minRows={2}
              aria-label="Edit message"
            />
            <Group gap="xs">
              <Button
                size="xs"
                disabled={busy || !editing.trim()}
                onClick={() => {
                  onEditAndResend(m.id, editing);
                  setEditing(null);
                }}
              >
                Send edited
              </Button>
              <Button size="xs" variant="default" onClick={() => setEditing(null)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        ) : assistant ? (
          m.content ? (
            <Markdown text={m.content} />
          ) : m.streaming ? (
            <Group gap="xs" wrap="nowrap">
              <Loader size="xs" type="dots" aria-label="Waiting for the answer" />
              {/* Polite: said once each time the place in line changes, never interrupting. */}
              <Text size="sm" c="dimmed" role="status" aria-live="polite" data-queue>
                {m.queuedAhead === undefined ? "" : queueText(m.queuedAhead)}
              </Text>
            </Group>
          ) : null
        ) : (
          <Text style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{m.content}</Text>
        )}
        {m.error && <ChatErrorNotice error={m.error} />}
        {m.route && (
          <Text size="xs" c="dimmed" data-route>
            {routeText(m.route)}
          </Text>
        )}
        <Group justify="space-between" gap="xs" wrap="nowrap">
          <Text size="xs" c="dimmed" className="chat-metrics">
            {m.streaming ? "Answering…" : metrics}
          </Text>
          {!m.streaming && editing === null && (
            <Group gap={2} wrap="nowrap">
              {m.content && (
                <CopyTextButton
                  value={m.content}
                  label={assistant ? "Copy answer" : "Copy message"}
                  compact
                />
              )}
              {assistant ? (
                <Tooltip label="Regenerate" withArrow>
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label="Regenerate"
                    disabled={busy}
                    onClick={() => onRegenerate(m.id)}
                  >
                    <IconRefresh size={16} />
                  </ActionIcon>
                </Tooltip>
              ) : (
                <Tooltip label="Edit and resend" withArrow>
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label="Edit and resend"
                    disabled={busy}
                    onClick={() => setEditing(m.content)}
                  >
                    <IconPencil size={16} />
                  </ActionIcon>
                </Tooltip>
              )}
            </Group>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
