import type { Role } from "@contract";
import {
  IconBox,
  IconChartBar,
  IconMessages,
  IconPlugConnected,
  IconRoute,
  IconServer,
  IconShieldLock,
  IconUserCircle,
  IconUsers,
} from "@tabler/icons-react";
import type { ComponentType } from "react";
import { ChatPage } from "./features/chat/ChatPage";
import { ConnectionsPage } from "./features/connections/ConnectionsPage";
import { GuardPage } from "./features/guard/GuardPage";
import { MembersPage, MyAccountPage } from "./features/members/MembersPage";
import { ModelsPage } from "./features/models/ModelsPage";
import { RoutingPage } from "./features/routing/RoutingPage";
import { ServerStatusPage } from "./features/server/ServerStatusPage";
import { UsagePage } from "./features/usage/UsagePage";

/**
 * The app's pages, in navigation order. Each page registers itself here with the roles that
 * see it (the server enforces access on every call; hiding a page only keeps the UI honest).
 * The first page a role may see is its home.
 */
export interface PageDef {
  /** The URL hash segment: `#/<id>`. */
  id: string;
  label: string;
  icon: ComponentType<{ size?: number; stroke?: number }>;
  roles: readonly Role[];
  component: ComponentType;
}

export const ALL_ROLES: readonly Role[] = ["owner", "admin", "member", "viewer"];
export const STAFF: readonly Role[] = ["owner", "admin", "viewer"];

export const pages: PageDef[] = [
  // ── pages register below this line (one entry each) ──
  // Order: what everyone uses daily first (Chat is every role's home), then spend, people,
  // then the machine's setup.
  {
    id: "chat",
    label: "Chat",
    icon: IconMessages,
    roles: ALL_ROLES,
    component: ChatPage,
  },
  {
    id: "usage",
    label: "Usage",
    icon: IconChartBar,
    roles: ALL_ROLES,
    component: UsagePage,
  },
  {
    id: "members",
    label: "Members",
    icon: IconUsers,
    roles: STAFF,
    component: MembersPage,
  },
  {
    // A member's own keys, limits and spend; staff see theirs here too.
    id: "account",
    label: "My account",
    icon: IconUserCircle,
    roles: ALL_ROLES,
    component: MyAccountPage,
  },
  {
    id: "connections",
    label: "Connections",
    icon: IconPlugConnected,
    roles: STAFF,
    component: ConnectionsPage,
  },
  {
    id: "models",
    label: "Models",
    icon: IconBox,
    roles: STAFF,
    component: ModelsPage,
  },
  {
    // Aliases and `auto` route over connections' pools and local models: set up after both.
    id: "routing",
    label: "Routing",
    icon: IconRoute,
    roles: STAFF,
    component: RoutingPage,
  },
  {
    // What leaves the machine: policies over every route, so after routing.
    id: "guard",
    label: "Guardrails",
    icon: IconShieldLock,
    roles: STAFF,
    component: GuardPage,
  },
  {
    id: "server",
    label: "Server",
    icon: IconServer,
    roles: ALL_ROLES,
    component: ServerStatusPage,
  },
];

/** The pages `role` may see (all of them while the role is not known yet). */
export function visiblePages(role: Role | undefined): PageDef[] {
  return role ? pages.filter((p) => p.roles.includes(role)) : pages;
}
