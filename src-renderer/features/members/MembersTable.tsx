import type { AlertDto, EffectiveLimitsDto, MemberDto, MemberStatusDto } from "@contract";
import {
  ActionIcon,
  Anchor,
  Badge,
  Menu,
  Stack,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { IconDots } from "@tabler/icons-react";
import { canDelete, canSetStatus, type Principal } from "../../lib/memberPermissions";
import { currentAlerts } from "../../stores/memberQueries";
import { alertSummary } from "./alertText";
import { RoleBadge, StatusBadge } from "./MemberBadges";
import { SpendGauge } from "./SpendGauge";

export interface MembersTableProps {
  members: MemberDto[];
  status: Record<string, MemberStatusDto>;
  effective: Record<string, EffectiveLimitsDto>;
  requestsToday: Record<string, number>;
  alerts: AlertDto[];
  me: Principal;
  onSetStatus: (m: MemberDto, status: "active" | "disabled") => void;
  onDelete: (m: MemberDto) => void;
}

/** One row per member: who, role and status, today's and this month's spend against caps. */
export function MembersTable(props: MembersTableProps) {
  const { members, status, effective, requestsToday, alerts, me } = props;
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table highlightOnHover verticalSpacing="sm" aria-label="Members">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Role · status</Table.Th>
            <Table.Th>Today</Table.Th>
            <Table.Th>This month</Table.Th>
            <Table.Th ta="right">Requests today</Table.Th>
            <Table.Th>Alerts</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {members.map((m) => {
            const s = status[m.id];
            const limits = effective[m.id];
            const active = s
              ? currentAlerts(
                  alerts.filter((a) => a.member_id === m.id),
                  s.day,
                  s.month,
                )
              : [];
            const menu = canSetStatus(me, m) || canDelete(me, m);
            return (
              <Table.Tr key={m.id} data-member-id={m.id}>
                <Table.Td>
                  <Anchor href={`#/members/${encodeURIComponent(m.id)}`} fw={500}>
                    {m.name}
                  </Anchor>
                  {m.email && (
                    <Text size="xs" c="dimmed">
                      {m.email}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {/* One column for both: the table fits a 1024 px screen without scrolling. */}
                  <Stack gap={4} align="flex-start">
                    <RoleBadge role={m.role} />
                    <StatusBadge status={m.status} />
                  </Stack>
                </Table.Td>
                <Table.Td>
                  {s ? (
                    <SpendGauge
                      compact
                      label={`${m.name} today`}
                      spentMicros={s.spend_today_micros}
                      reservedMicros={s.reserved_today_micros}
                      capMicros={limits?.daily_cap_micros}
                    />
                  ) : (
                    <Text c="dimmed">…</Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {s ? (
                    <SpendGauge
                      compact
                      label={`${m.name} this month`}
                      spentMicros={s.spend_month_micros}
                      reservedMicros={s.reserved_month_micros}
                      capMicros={limits?.monthly_cap_micros}
                    />
                  ) : (
                    <Text c="dimmed">…</Text>
                  )}
                </Table.Td>
                <Table.Td ta="right" data-requests-today>
                  {(requestsToday[m.id] ?? 0).toLocaleString("en-US")}
                </Table.Td>
                <Table.Td>
                  {active.length > 0 ? (
                    <Tooltip
                      label={active.map(alertSummary).join(" · ")}
                      withArrow
                      multiline
                      w={260}
                    >
                      <Badge
                        color="red"
                        variant="light"
                        aria-label={`${active.length} alert${active.length === 1 ? "" : "s"}`}
                      >
                        {active.length}
                      </Badge>
                    </Tooltip>
                  ) : (
                    <Text c="dimmed" size="sm" aria-label="No alerts">
                      —
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {menu && (
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <ActionIcon
                          variant="subtle"
                          color="gray"
                          aria-label={`Actions for ${m.name}`}
                        >
                          <IconDots size={18} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        {canSetStatus(me, m) && (
                          <Menu.Item
                            onClick={() =>
                              props.onSetStatus(m, m.status === "active" ? "disabled" : "active")
                            }
                          >
                            {m.status === "active" ? "Disable" : "Enable"}
                          </Menu.Item>
                        )}
                        {canDelete(me, m) && (
                          <Menu.Item color="red" onClick={() => props.onDelete(m)}>
                            Delete…
                          </Menu.Item>
                        )}
                      </Menu.Dropdown>
                    </Menu>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
