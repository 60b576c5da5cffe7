import { AppShell, Box, Burger, Group, NavLink, ScrollArea, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useEffect } from "react";
import { SignedInMember } from "../features/auth/SignedInMember";
import { ConnectionBadge } from "../features/server/ConnectionBadge";
import { UnreachableNotice } from "../features/server/UnreachableNotice";
import { visiblePages } from "../pages";
import { useAuthStore } from "../stores/useAuthStore";
import { useRouteStore } from "../stores/useRouteStore";
import { useServerStore } from "../stores/useServerStore";
import { ColorSchemeToggle } from "./ColorSchemeToggle";

/**
 * Header, navigation (a drawer below the `sm` breakpoint) and the current page, with the
 * server-unreachable notice above whichever page is open.
 */
export function AppLayout() {
  const role = useAuthStore((s) => s.me?.role);
  const page = useRouteStore((s) => s.page);
  const navigate = useRouteStore((s) => s.navigate);
  const unreachable = useServerStore((s) => s.reachability === "unreachable");
  const [opened, { toggle, close }] = useDisclosure();
  const visible = visiblePages(role);
  const current = visible.find((p) => p.id === page) ?? visible[0];

  // An unknown or forbidden page id shows the home page; keep the URL telling the truth.
  useEffect(() => {
    if (current && page !== current.id) navigate(current.id);
  }, [current, page, navigate]);

  const Page = current?.component;
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 210, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Navigation"
            />
            <Title order={1} size="h3">
              Benchtop
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <ConnectionBadge />
            <ColorSchemeToggle />
            <SignedInMember />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Pages">
        <ScrollArea>
          {visible.map((p) => (
            <NavLink
              key={p.id}
              href={`#/${p.id}`}
              label={p.label}
              leftSection={<p.icon size={18} stroke={1.6} />}
              active={p.id === current?.id}
              aria-current={p.id === current?.id ? "page" : undefined}
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        {unreachable && (
          <Box mb="md">
            <UnreachableNotice />
          </Box>
        )}
        {Page && <Page />}
      </AppShell.Main>
    </AppShell>
  );
}
