import { Badge, Button, Code, Group, Text } from "@mantine/core";
import { maskKey } from "../../lib/maskKey";
import { useAuthStore } from "../../stores/useAuthStore";

/** The header's "who am I": the key's member and role, and the way out. */
export function SignedInMember() {
  const me = useAuthStore((s) => s.me);
  const key = useAuthStore((s) => s.key);
  const signOut = useAuthStore((s) => s.signOut);
  if (!key) return null;
  return (
    <Group gap="xs" wrap="nowrap" role="group" aria-label="Signed in">
      {me ? (
        <Group gap={6} wrap="nowrap" visibleFrom="xs">
          <Text fw={600} size="sm" title={me.email ?? undefined} truncate="end" maw={180}>
            {me.name}
          </Text>
          <Badge color="gray" variant="light" tt="none" data-member-role>
            {me.role}
          </Badge>
        </Group>
      ) : (
        // The server does not say whose key it is (no /manage/v1/me yet): its last 4 characters.
        <Text size="sm" c="dimmed" visibleFrom="xs">
          Key <Code>{maskKey(key)}</Code>
        </Text>
      )}
      <Button variant="default" onClick={signOut}>
        Sign out
      </Button>
    </Group>
  );
}
