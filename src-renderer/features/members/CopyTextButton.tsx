import { ActionIcon, Button, Tooltip } from "@mantine/core";
import { IconCheck, IconCopy } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { copyText } from "./copyText";

/** How long "Copied" stays up, ms. */
const FEEDBACK_MS = 1500;

type Outcome = "idle" | "copied" | "failed";

/** A copy button that says whether it worked (and to copy by hand when the browser refuses). */
export function CopyTextButton({
  value,
  label,
  compact,
}: {
  value: string;
  label: string;
  compact?: boolean;
}) {
  const [outcome, setOutcome] = useState<Outcome>("idle");
  useEffect(() => {
    if (outcome === "idle") return;
    const t = setTimeout(() => setOutcome("idle"), FEEDBACK_MS);
    return () => clearTimeout(t);
  }, [outcome]);
  const copy = async () => setOutcome((await copyText(value)) ? "copied" : "failed");
  const tip =
    outcome === "copied" ? "Copied" : outcome === "failed" ? "Select and copy it by hand" : label;
  if (compact)
    return (
      <Tooltip label={tip} withArrow opened={outcome !== "idle" ? true : undefined}>
        <ActionIcon
          variant="subtle"
          color={outcome === "copied" ? "teal" : "gray"}
          aria-label={label}
          onClick={() => void copy()}
        >
          {outcome === "copied" ? <IconCheck size={16} /> : <IconCopy size={16} />}
        </ActionIcon>
      </Tooltip>
    );
  return (
    <Button
      variant="light"
      color={outcome === "copied" ? "teal" : outcome === "failed" ? "orange" : undefined}
      leftSection={outcome === "copied" ? <IconCheck size={16} /> : <IconCopy size={16} />}
      onClick={() => void copy()}
      aria-label={label}
    >
      {outcome === "idle" ? "Copy" : tip}
    </Button>
  );
}
