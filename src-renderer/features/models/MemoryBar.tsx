import type { MachineMemoryDto } from "@contract";
import { Group, Progress, Stack, Text, Tooltip } from "@mantine/core";
import { formatBytes } from "./formatBytes";

interface BarProps {
  label: string;
  total: number;
  /** Bytes the loaded models hold. */
  models: number;
  /** Bytes in use by everything (models included). */
  used: number;
}

function Bar({ label, total, models, used }: BarProps) {
  const pct = (n: number) => (total > 0 ? (Math.min(n, total) / total) * 100 : 0);
  const others = Math.max(0, used - models);
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <Text size="sm" c="dimmed">
          {formatBytes(Math.max(0, total - used))} free of {formatBytes(total)}
        </Text>
      </Group>
      <Progress.Root size="lg">
        <Tooltip label={`Loaded models: ${formatBytes(models)}`}>
          <Progress.Section
            value={pct(models)}
            color="teal"
            aria-label={`${label}: loaded models`}
          />
        </Tooltip>
        <Tooltip label={`Everything else: ${formatBytes(others)}`}>
          <Progress.Section
            value={pct(others)}
            color="gray"
            aria-label={`${label}: everything else`}
          />
        </Tooltip>
      </Progress.Root>
    </Stack>
  );
}

/** This machine's RAM (and VRAM, with a GPU): what the loaded models hold, what the rest uses. */
export function MemoryBar({ machine }: { machine: MachineMemoryDto }) {
  const ramUsed = machine.ram.total_bytes - machine.ram.free_bytes;
  return (
    <Stack gap="sm" component="section" aria-label="Memory">
      <Bar
        label="RAM"
        total={machine.ram.total_bytes}
        models={machine.loaded_ram_bytes}
        used={Math.max(ramUsed, machine.loaded_ram_bytes)}
      />
      {machine.vram ? (
        <Bar
          label={`VRAM (${machine.gpu ?? "GPU"})`}
          total={machine.vram.total_bytes}
          models={machine.loaded_vram_bytes}
          used={Math.max(machine.vram.used_bytes, machine.loaded_vram_bytes)}
        />
      ) : (
        <Text size="sm" c="dimmed">
          {machine.gpu_known
            ? "No GPU in use: models run on the CPU."
            : "The engine did not say whether there is a GPU (it may still be starting)."}
        </Text>
      )}
    </Stack>
  );
}
