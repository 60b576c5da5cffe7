import type { ModelFitDto } from "@contract";
import { Badge, Tooltip } from "@mantine/core";
import { formatBytes } from "./formatBytes";

const LOOK: Record<ModelFitDto["kind"], { label: string; color: string }> = {
  gpu: { label: "Fits in VRAM", color: "green" },
  partial: { label: "Partly on GPU", color: "yellow" },
  cpu: { label: "Fits in RAM (CPU)", color: "blue" },
  too_large: { label: "Too large", color: "red" },
  unknown: { label: "Unknown", color: "gray" },
};

/** Where a model would run here, with node-llama-cpp's estimate in the tooltip. */
export function FitBadge({ fit }: { fit: ModelFitDto }) {
  const look = LOOK[fit.kind];
  const detail =
    fit.kind === "unknown"
      ? "The header cannot be read, so nothing can be estimated."
      : `Estimated ${formatBytes(fit.ram_bytes)} RAM` +
        (fit.vram_bytes > 0 ? ` + ${formatBytes(fit.vram_bytes)} VRAM` : "") +
        ` for ${fit.context_tokens.toLocaleString("en-US")} context tokens` +
        ` (${fit.gpu_layers} of ${fit.total_layers} layers on the GPU).`;
  return (
    <Tooltip label={detail} multiline w={280}>
      <Badge
        color={look.color}
        variant="light"
        data-fit={fit.kind}
        style={{ minWidth: "max-content" }}
      >
        {look.label}
      </Badge>
    </Tooltip>
  );
}
