import type { LocalModelDto, LocalModelListDto } from "@contract";
import { Badge, Button, Code, Group, Stack, Table, Text, Title } from "@mantine/core";
import { IconAdjustments, IconPlayerPlay, IconPlayerStop, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { effectiveContextText } from "../../lib/loadSettingsForm";
import { useModelsStore } from "../../stores/useModelsStore";
import { ConfirmDialog } from "../members/ConfirmDialog";
import { errorText } from "../members/errorText";
import { FitBadge } from "./FitBadge";
import { formatBytes, formatParameters } from "./formatBytes";
import { LoadSettingsDialog } from "./LoadSettingsDialog";

/** Badges and sizes keep to one line: the table scrolls sideways instead of cutting them. */
const NOWRAP = { whiteSpace: "nowrap" } as const;

function StateBadge({ model }: { model: LocalModelDto }) {
  if (model.state === "loaded")
    return (
      // teal.9: white text at 5:1 in both themes (Mantine's teal fill is 3:1).
      <Badge color="teal.9" variant="filled" data-state="loaded">
        Loaded · {formatBytes((model.memory?.ram_bytes ?? 0) + (model.memory?.vram_bytes ?? 0))}
      </Badge>
    );
  if (model.state === "loading")
    return (
      <Badge color="yellow" variant="light" data-state="loading">
        Loading…
      </Badge>
    );
  return (
    <Badge color="gray" variant="light" data-state="not_loaded">
      Not loaded
    </Badge>
  );
}

interface RowProps {
  model: LocalModelDto;
  /** The engine's defaults and the machine's GPU, for the load settings dialog. */
  engine: LocalModelListDto["engine"];
  gpu: string | null;
  canWrite: boolean;
  onError: (message: string) => void;
}

/** The context per sequence the model runs with (or will), × its sequences; the training context under it. */
function ContextCell({ model }: { model: LocalModelDto }) {
  const { effective } = model;
  return (
    <Stack gap={0}>
      <Text size="sm" style={NOWRAP} data-effective-context={effective.context_size}>
        {effectiveContextText(model)}
      </Text>
      <Text size="xs" c="dimmed" style={NOWRAP} data-effective-sequences={effective.sequences}>
        × {effective.sequences} {effective.sequences === 1 ? "sequence" : "sequences"}
      </Text>
      {model.context_length !== null && (
        <Text size="xs" c="dimmed" style={NOWRAP}>
          trained {model.context_length.toLocaleString("en-US")}
        </Text>
      )}
      {!model.has_chat_template && model.error === null && (
        <Text size="xs" c="dimmed">
          no chat template
        </Text>
      )}
    </Stack>
  );
}

function ModelRow({ model, engine, gpu, canWrite, onError }: RowProps) {
  const action = useModelsStore((s) => s.actions[model.id]);
  const [confirming, setConfirming] = useState(false);
  const [configuring, setConfiguring] = useState(false);
  const run = (p: Promise<unknown>) => p.catch((err: unknown) => onError(errorText(err)));
  const { load, unload, remove } = useModelsStore.getState();
  return (
    <Table.Tr data-model-id={model.id}>
      <Table.Td>
        <Stack gap={0}>
          <Code fw={600}>{model.id}</Code>
          <Text size="xs" c="dimmed">
            {model.file}
          </Text>
          {model.error && (
            <Text size="xs" c="red">
              {model.error}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td style={NOWRAP}>{formatBytes(model.size_bytes)}</Table.Td>
      <Table.Td>
        {model.architecture ?? "—"} · {formatParameters(model.parameters)}
        <Text size="xs" c="dimmed" data-quantization>
          {model.quantization ?? "—"}
        </Text>
      </Table.Td>
      <Table.Td>
        <ContextCell model={model} />
      </Table.Td>
      <Table.Td style={NOWRAP}>
        <FitBadge fit={model.fit} />
      </Table.Td>
      <Table.Td style={NOWRAP}>
        <StateBadge model={model} />
      </Table.Td>
      {canWrite && (
        <Table.Td>
          {/* The buttons stack when the screen is narrow, rather than leave it sideways. */}
          <Group gap="xs">
            {model.state === "not_loaded" ? (
              <Button
                size="xs"
                variant="light"
                leftSection={<IconPlayerPlay size={14} />}
                loading={action === "loading"}
                disabled={model.error !== null || action !== undefined}
                onClick={() => void run(load(model.id))}
                aria-label={`Load ${model.id}`}
              >
                Load
              </Button>
            ) : (
              <Button
                size="xs"
                variant="light"
                leftSection={<IconPlayerStop size={14} />}
                loading={action === "unloading"}
                disabled={action !== undefined || model.in_flight > 0}
                onClick={() => void run(unload(model.id))}
                aria-label={`Unload ${model.id}`}
              >
                Unload
              </Button>
            )}
            <Button
              size="xs"
              variant="subtle"
              leftSection={<IconAdjustments size={14} />}
              loading={action === "configuring"}
              disabled={model.error !== null || action !== undefined}
              onClick={() => setConfiguring(true)}
              aria-label={`Load settings of ${model.id}`}
            >
              Load settings
            </Button>
            <Button
              size="xs"
              variant="subtle"
              color="red"
              leftSection={<IconTrash size={14} />}
              loading={action === "deleting"}
              disabled={action !== undefined}
              onClick={() => setConfirming(true)}
              aria-label={`Delete ${model.id}`}
            >
              Delete
            </Button>
          </Group>
          {configuring && (
            <LoadSettingsDialog
              model={model}
              engine={engine}
              gpu={gpu}
              onClose={() => setConfiguring(false)}
            />
          )}
          <ConfirmDialog
            opened={confirming}
            title={`Delete ${model.id}?`}
            confirmLabel="Delete model"
            onConfirm={() => remove(model.id)}
            onClose={() => setConfirming(false)}
          >
            <Text size="sm">
              This unloads the model if it is loaded and deletes <Code>{model.file}</Code> (
              {formatBytes(model.size_bytes)}) from the models folder. Requests for{" "}
              <Code>{model.id}</Code> will fail until it is added again.
            </Text>
          </ConfirmDialog>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** Every GGUF model in the models folder, with where it would run and whether it is loaded. */
export function LocalModelTable(props: {
  models: LocalModelDto[];
  engine: LocalModelListDto["engine"];
  gpu: string | null;
  canWrite: boolean;
  onError: (message: string) => void;
}) {
  const { models, engine, gpu, canWrite, onError } = props;
  return (
    <Stack gap="sm" component="section" aria-labelledby="local-models-title">
      <Title order={2} size="h3" id="local-models-title">
        Local models
      </Title>
      {models.length === 0 ? (
        <Text c="dimmed">
          No models yet. Download one from the catalog below, or put <Code>.gguf</Code> files in the
          models folder.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover aria-label="Local models">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Model</Table.Th>
                <Table.Th>Size</Table.Th>
                {/* Quantization under the parameters: the table fits a 1024 px screen. */}
                <Table.Th>Parameters · quantization</Table.Th>
                {/* What it runs with (its load settings), not only what it was trained for. */}
                <Table.Th>Context × sequences</Table.Th>
                <Table.Th>Fit</Table.Th>
                <Table.Th>State</Table.Th>
                {canWrite && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {models.map((m) => (
                <ModelRow
                  key={m.id}
                  model={m}
                  engine={engine}
                  gpu={gpu}
                  canWrite={canWrite}
                  onError={onError}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
