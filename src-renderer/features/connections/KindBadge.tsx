import type { ConnectionKind } from "@contract";
import { Badge } from "@mantine/core";
import {
  IconBolt,
  IconBrandOpenai,
  IconPlugConnected,
  IconRoute,
  IconSparkles,
} from "@tabler/icons-react";
import type { ComponentType } from "react";
import { KIND_LABELS } from "./connectionForm";

const KIND_ICONS: Record<ConnectionKind, ComponentType<{ size?: number }>> = {
  openai: IconBrandOpenai,
  anthropic: IconSparkles,
  groq: IconBolt,
  openrouter: IconRoute,
  openai_compatible: IconPlugConnected,
};

const KIND_COLORS: Record<ConnectionKind, string> = {
  openai: "teal",
  anthropic: "orange",
  groq: "grape",
  openrouter: "blue",
  openai_compatible: "gray",
};

/** The provider family of a connection, as an icon and a name. */
export function KindBadge({ kind }: { kind: ConnectionKind }) {
  const Icon = KIND_ICONS[kind];
  return (
    <Badge
      variant="light"
      color={KIND_COLORS[kind]}
      leftSection={<Icon size={14} />}
      style={{ textTransform: "none", flexShrink: 0 }}
      // Never cut short: a table column narrower than the label grows or scrolls instead.
      styles={{ label: { overflow: "visible" } }}
    >
      {kind === "openai_compatible" ? "OpenAI-compatible" : KIND_LABELS[kind]}
    </Badge>
  );
}
