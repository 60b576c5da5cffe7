import {
  ActionIcon,
  Alert,
  Collapse,
  Group,
  NumberInput,
  ScrollArea,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { IconAdjustments, IconCheck, IconPencil } from "@tabler/icons-react";
import { useEffect, useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useChatStore } from "../../stores/useChatStore";
import { Composer } from "./Composer";
import { MessageView } from "./MessageView";
import { ModelPicker } from "./ModelPicker";
import { SystemPromptEditor } from "./SystemPromptEditor";

/** The open conversation: title, model and system prompt, the messages, and the message box. */
export function ChatPanel() {
  const s = useChatStore(
    useShallow((x) => ({
      title: x.title,
      messages: x.messages,
      streaming: x.streaming,
      error: x.error,
      model: x.model,
      models: x.models,
      modelsError: x.modelsError,
      systemPrompt: x.systemPrompt,
      temperature: x.temperature,
    })),
  );
  const actions = useChatStore.getState();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [showSettings, setShowSettings] = useState(false);
  const viewport = useRef<HTMLDivElement>(null);

  // Follow the answer as it streams (and jump to the end when a conversation opens).
  const last = s.messages.at(-1);
  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [s.messages.length, last?.content]);

  return (
    <Stack gap="sm" h="100%" style={{ flex: 1, minWidth: 0 }}>
      <Group justify="space-between" align="flex-end" wrap="nowrap">
        {renaming === null ? (
          <Group gap={4} wrap="nowrap" style={{ minWidth: 0 }}>
            <Title order={2} size="h3" lineClamp={1}>
              {s.title}
            </Title>
            <Tooltip label="Rename" withArrow>
              <ActionIcon
                variant="subtle"
                color="gray"
                aria-label="Rename"
                onClick={() => setRenaming(s.title)}
              >
                <IconPencil size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void actions.rename(renaming);
              setRenaming(null);
            }}
          >
            <Group gap={4} wrap="nowrap">
              <TextInput
                value={renaming}
                onChange={(e) => setRenaming(e.currentTarget.value)}
                aria-label="Title"
                autoFocus
                onKeyDown={(e) => e.key === "Escape" && setRenaming(null)}
              />
              <ActionIcon type="submit" variant="subtle" aria-label="Save title">
                <IconCheck size={16} />
              </ActionIcon>
            </Group>
          </form>
        )}
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <ModelPicker
            models={s.models}
            value={s.model}
            disabled={s.streaming}
            onChange={(id) => void actions.selectModel(id)}
          />
          <Tooltip label="System prompt and temperature" withArrow>
            <ActionIcon
              variant={showSettings ? "light" : "subtle"}
              size="lg"
              aria-label="Conversation settings"
              aria-expanded={showSettings}
              onClick={() => setShowSettings((v) => !v)}
            >
              <IconAdjustments size={18} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Group>
      <Collapse expanded={showSettings}>
        <Stack gap="xs">
          <SystemPromptEditor
            value={s.systemPrompt}
            disabled={s.streaming}
            onSave={(text) => void actions.setSystemPrompt(text)}
          />
          <NumberInput
            label="Temperature"
            description="Empty: the server's default (1). 0 gives the same answer every time. For this window only."
            placeholder="Default"
            min={0}
            max={2}
            step={0.1}
            decimalScale={2}
            w={420}
            value={s.temperature ?? ""}
            onChange={(v) => actions.setTemperature(typeof v === "number" ? v : null)}
            disabled={s.streaming}
          />
        </Stack>
      </Collapse>
      {s.modelsError && (
        <Alert color="red" variant="light" title="Could not list the models">
          {s.modelsError}
        </Alert>
      )}
      <ScrollArea viewportRef={viewport} style={{ flex: 1 }} type="auto">
        <Stack gap="sm" pr="sm" aria-live="polite">
          {s.messages.length === 0 && (
            <Text c="dimmed" ta="center" mt="xl">
              Ask anything. Answers stream in; press Stop (or Esc) to end one early.
            </Text>
          )}
          {s.messages.map((m) => (
            <MessageView
              key={m.id}
              message={m}
              busy={s.streaming}
              onRegenerate={(id) => void actions.regenerate(id)}
              onEditAndResend={(id, text) => void actions.editAndResend(id, text)}
            />
          ))}
        </Stack>
      </ScrollArea>
      {s.error && (
        <Alert color="red" variant="light" withCloseButton={false}>
          {s.error}
        </Alert>
      )}
      <Composer
        streaming={s.streaming}
        disabled={!s.model}
        onSend={(text) => void actions.send(text)}
        onStop={actions.stop}
      />
    </Stack>
  );
}
