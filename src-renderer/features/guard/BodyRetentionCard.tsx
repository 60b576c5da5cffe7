import { MAX_BODY_RETENTION_DAYS } from "@contract";
import { Alert, Button, Group, NumberInput, Paper, Switch, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { errorText } from "../members/errorText";
import { retentionText } from "./guardView";

export interface BodyRetentionCardProps {
  /** The org's setting: days, or null (off). */
  days: number | null;
  /** Only the owner decides whether prompts and answers are kept. */
  isOwner: boolean;
  save: (days: number | null) => Promise<unknown>;
}

/**
 * Body retention org-wide (`PATCH /settings {body_retention_days}`, owner only): whether each
 * request's prompt and answer are kept, and for how long. A member's own setting (which wins) is
 * on their page.
 */
export function BodyRetentionCard(p: BodyRetentionCardProps) {
  // Keyed by the saved value: a change saved elsewhere resets the form.
  return <BodyRetentionForm key={String(p.days)} {...p} />;
}

function BodyRetentionForm({ days, isOwner, save }: BodyRetentionCardProps) {
  const [on, setOn] = useState(days !== null);
  const [value, setValue] = useState<number | string>(days ?? 30);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const next = on ? (typeof value === "number" ? value : undefined) : null;
  const changed = next !== undefined && next !== days;

  async function submit() {
    if (next === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await save(next);
      notifications.show({
        message: next === null ? "Bodies are no longer kept." : `Bodies are kept ${next} days.`,
      });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="body-retention-title">
      <Group gap="sm" mb={4}>
        <Title order={2} size="h4" id="body-retention-title">
          Body retention
        </Title>
        <Text size="sm" c="dimmed" data-retention>
          {retentionText(days)}
        </Text>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        Off by default: only metadata is recorded. When on, each answered request&apos;s prompt
        (after the guard&apos;s redaction) and its answer are stored encrypted, readable by the
        owner, admins and the member who sent it, and deleted after the number of days set here. A
        member&apos;s own setting, on their page, wins over this one.
        {!isOwner && " Only the owner changes it."}
      </Text>
      <form
        aria-label="Body retention"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Group align="flex-end" gap="md" wrap="wrap">
          <Switch
            label="Keep request bodies"
            checked={on}
            onChange={(e) => setOn(e.currentTarget.checked)}
            disabled={!isOwner}
          />
          <NumberInput
            label="Days"
            min={1}
            max={MAX_BODY_RETENTION_DAYS}
            allowDecimal={false}
            allowNegative={false}
            value={value}
            onChange={setValue}
            disabled={!isOwner || !on}
            w={140}
          />
          {isOwner && (
            <Button type="submit" loading={busy} disabled={!changed}>
              Save retention
            </Button>
          )}
        </Group>
        {error && (
          <Alert color="red" title="Not saved" mt="sm">
            {error}
          </Alert>
        )}
      </form>
    </Paper>
  );
}
