import { MAX_BODY_RETENTION_DAYS, type MemberBodyRetentionDto } from "@contract";
import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  NumberInput,
  SegmentedControl,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { memberRetentionText, retentionText } from "../guard/guardView";
import { errorText } from "./errorText";

type Choice = "org" | "never" | "days";

export interface BodyRetentionCardProps {
  retention?: MemberBodyRetentionDto;
  /** Only the owner decides whether a member's prompts and answers are kept. */
  canEdit: boolean;
  onSave: (days: number | null) => Promise<void>;
}

/**
 * Whether this member's prompts and answers are kept, and for how long: what applies now, and
 * the member's own setting (follow the org, never, or N days), which the owner may change.
 * Anyone sees their own: a member can tell whether their prompts are kept.
 */
export function BodyRetentionCard({ retention, canEdit, onSave }: BodyRetentionCardProps) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="member-retention-title">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="member-retention-title">
          Request bodies
        </Title>
        {retention && (
          <Text size="sm" fw={500} data-effective-retention>
            {retentionText(retention.effective_days)}
          </Text>
        )}
      </Group>
      {!retention ? (
        <Loader size="sm" aria-label="Loading body retention…" />
      ) : (
        // Keyed by the saved value: a change saved elsewhere resets the form.
        <RetentionForm
          key={String(retention.body_retention_days)}
          retention={retention}
          canEdit={canEdit}
          onSave={onSave}
        />
      )}
    </Card>
  );
}

function RetentionForm({
  retention,
  canEdit,
  onSave,
}: Required<Pick<BodyRetentionCardProps, "retention">> &
  Omit<BodyRetentionCardProps, "retention">) {
  const own = retention.body_retention_days;
  const [choice, setChoice] = useState<Choice>(own === null ? "org" : own === 0 ? "never" : "days");
  const [days, setDays] = useState<number | string>(own && own > 0 ? own : 30);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const next =
    choice === "org" ? null : choice === "never" ? 0 : typeof days === "number" ? days : undefined;
  const changed = next !== undefined && next !== own;

  async function save() {
    if (next === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSave(next);
      notifications.show({ message: "Body retention saved." });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        When kept, the prompt (after the guard&apos;s redaction) and the answer are stored encrypted
        and deleted after that many days.{" "}
        {memberRetentionText(own, retention.org_body_retention_days)}.
      </Text>
      {canEdit && (
        <form
          aria-label="Body retention of this member"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <Group align="flex-end" gap="md" wrap="wrap">
            <SegmentedControl
              aria-label="Keep this member's bodies"
              value={choice}
              onChange={(v) => setChoice(v as Choice)}
              data={[
                { value: "org", label: "As the org" },
                { value: "never", label: "Never" },
                { value: "days", label: "Days" },
              ]}
            />
            <NumberInput
              label="Days"
              min={1}
              max={MAX_BODY_RETENTION_DAYS}
              allowDecimal={false}
              allowNegative={false}
              value={days}
              onChange={setDays}
              disabled={choice !== "days"}
              w={120}
            />
            <Button type="submit" loading={busy} disabled={!changed}>
              Save
            </Button>
          </Group>
          {error && (
            <Alert color="red" title="Not saved" mt="sm">
              {error}
            </Alert>
          )}
        </form>
      )}
    </Stack>
  );
}
