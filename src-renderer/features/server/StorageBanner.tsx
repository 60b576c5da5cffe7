import type { StorageStateDto } from "@contract";
import { Alert, Stack, Text } from "@mantine/core";
import { IconDatabaseOff, IconFileOff } from "@tabler/icons-react";
import { formatDuration } from "../../lib/formatDuration";

/**
 * What `/health` says about the disks Benchtop writes to, when something is wrong: a full
 * database disk refuses every API request until space is freed; a log that cannot be written
 * loses lines. Both resume by themselves. Nothing is shown while both are fine.
 */
export function StorageBanner({
  storage,
  now = Date.now(),
}: {
  storage?: StorageStateDto;
  /** The current time in ms (how long the disk has been full). Defaults to now. */
  now?: number;
}) {
  if (!storage) return null;
  const full = storage.state === "full";
  const logFailing = storage.log === "failing";
  if (!full && !logFailing) return null;
  const held = storage.pending_writes;
  return (
    <Stack gap="sm">
      {full && (
        <Alert
          color="red"
          variant="light"
          role="alert"
          icon={<IconDatabaseOff size={20} />}
          title="The disk is full: API requests are refused"
        >
          <Text size="sm">
            Benchtop cannot write to its database
            {storage.since_ms !== null
              ? ` (for ${formatDuration((now - storage.since_ms) / 1000)})`
              : ""}
            , so it cannot record usage: every API request is answered with 503 storage_full until
            space is freed on the disk that holds Benchtop&apos;s data folder.
          </Text>
          {held > 0 && (
            <Text size="sm">
              {held === 1
                ? "The usage of 1 request already answered waits in memory"
                : `The usage of ${held} requests already answered waits in memory`}{" "}
              and is written as soon as there is room.
            </Text>
          )}
          <Text size="sm" c="dimmed">
            Service resumes by itself once space is freed; nothing needs restarting.
          </Text>
        </Alert>
      )}
      {logFailing && (
        <Alert
          color="yellow"
          variant="light"
          role="alert"
          icon={<IconFileOff size={20} />}
          title="The log cannot be written"
        >
          <Text size="sm">
            Log lines are dropped ({storage.dropped_log_lines} so far), usually because the disk
            that holds the log is full. Requests are still served; logging resumes by itself once
            writes succeed again.
          </Text>
        </Alert>
      )}
    </Stack>
  );
}
