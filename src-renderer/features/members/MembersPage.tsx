import { Alert, Center, Loader, Stack, Tabs, Text, Title } from "@mantine/core";
import { useAuthStore } from "../../stores/useAuthStore";
import { useRouteStore } from "../../stores/useRouteStore";
import { MemberDetail } from "./MemberDetail";
import { MembersList } from "./MembersList";
import { OrgLimitsPanel } from "./OrgLimitsPanel";

/**
 * `#/members`: the members table and the org's limits (staff); `#/members/<id>`: one member.
 * Members never get here (the navigation shows them "My account"); the server refuses them the
 * list anyway.
 */
export function MembersPage() {
  const rest = useRouteStore((s) => s.rest);
  const me = useAuthStore((s) => s.me);
  if (!me) return <WhoAmIPending />;
  if (rest[0]) return <MemberDetail id={rest[0]} me={me} />;
  return (
    <Stack>
      <Title order={2}>Members</Title>
      <Tabs defaultValue="members" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="members">Members</Tabs.Tab>
          <Tabs.Tab value="org-limits">Org limits</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="members" pt="md">
          <MembersList me={me} />
        </Tabs.Panel>
        <Tabs.Panel value="org-limits" pt="md">
          <OrgLimitsPanel me={me} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** `#/account`: the signed-in person's own keys, limits, spend and credits. */
export function MyAccountPage() {
  const me = useAuthStore((s) => s.me);
  if (!me) return <WhoAmIPending />;
  return <MemberDetail id={me.id} me={me} self />;
}

/** The server has not said whose key this is yet (or could not). */
function WhoAmIPending() {
  const status = useAuthStore((s) => s.status);
  if (status === "signedIn")
    return (
      <Alert color="yellow" title="Account not known yet">
        <Text size="sm">The server has not said whose key this is. Try reloading the page.</Text>
      </Alert>
    );
  return (
    <Center h={200}>
      <Loader aria-label="Loading…" />
    </Center>
  );
}
