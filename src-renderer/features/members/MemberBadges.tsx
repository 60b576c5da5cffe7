import type { MemberStatus, Role } from "@contract";
import { Badge } from "@mantine/core";

const ROLE_COLOR: Record<Role, string> = {
  owner: "grape",
  admin: "indigo",
  member: "gray",
  viewer: "cyan",
};

const STATUS_COLOR: Record<MemberStatus, string> = {
  active: "teal",
  disabled: "orange",
  deleted: "red",
};

export function RoleBadge({ role }: { role: Role }) {
  return (
    <Badge color={ROLE_COLOR[role]} variant="light" tt="none">
      {role}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: MemberStatus }) {
  return (
    <Badge color={STATUS_COLOR[status]} variant="dot" tt="none">
      {status}
    </Badge>
  );
}
