import type { MeDto, MemberDto, Role } from "@contract";
import {
  Alert,
  Button,
  Group,
  Loader,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPlus, IconSearch } from "@tabler/icons-react";
import { useEffect, useMemo, useState } from "react";
import { assignableRoles, canAddMembers } from "../../lib/memberPermissions";
import { useMembersStore } from "../../stores/useMembersStore";
import { useRouteStore } from "../../stores/useRouteStore";
import { ConfirmDialog } from "./ConfirmDialog";
import { CreateMemberModal } from "./CreateMemberModal";
import { errorText } from "./errorText";
import { MembersTable } from "./MembersTable";

type StatusFilter = "all" | "active" | "disabled";

/** `text` matches a member by name or email, case-insensitively. */
export function matchesSearch(m: MemberDto, text: string): boolean {
  const q = text.trim().toLowerCase();
  return !q || m.name.toLowerCase().includes(q) || (m.email ?? "").toLowerCase().includes(q);
}

/** The members table with search, filters, and add / disable / delete. */
export function MembersList({ me }: { me: MeDto }) {
  const store = useMembersStore();
  const navigate = useRouteStore((s) => s.navigate);
  const [search, setSearch] = useState("");
  const [role, setRole] = useState<Role | null>(null);
  const [statusFilter, setStatusFilter] = useState<StatusFilter>("all");
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<MemberDto>();

  useEffect(() => {
    const { refresh, follow, reset } = useMembersStore.getState();
    void refresh();
    const stop = follow();
    return () => {
      stop();
      reset();
    };
  }, []);

  const shown = useMemo(
    () =>
      store.members.filter(
        (m) =>
          matchesSearch(m, search) &&
          (!role || m.role === role) &&
          (statusFilter === "all" || m.status === statusFilter),
      ),
    [store.members, search, role, statusFilter],
  );

  const setStatus = async (m: MemberDto, status: "active" | "disabled") => {
    try {
      await store.setStatus(m.id, status);
      notifications.show({
        message: `${m.name} is ${status === "active" ? "enabled" : "disabled"}.`,
      });
    } catch (err) {
      notifications.show({ color: "red", title: "Not changed", message: errorText(err) });
    }
  };

  return (
    <Stack>
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Search"
            placeholder="Name or email"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={220}
          />
          <Select
            label="Role"
            placeholder="All roles"
            data={["owner", "admin", "member", "viewer"]}
            value={role}
            onChange={(v) => setRole(v as Role | null)}
            clearable
            w={150}
          />
          <SegmentedControl
            aria-label="Status"
            data={[
              { value: "all", label: "All" },
              { value: "active", label: "Active" },
              { value: "disabled", label: "Disabled" },
            ]}
            value={statusFilter}
            onChange={(v) => setStatusFilter(v as StatusFilter)}
          />
        </Group>
        {canAddMembers(me) && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            Add member
          </Button>
        )}
      </Group>

      {store.error && (
        <Alert color="red" title="Could not load members">
          {store.error}
        </Alert>
      )}
      {!store.loaded ? (
        <Group justify="center" p="xl">
          <Loader aria-label="Loading members…" />
        </Group>
      ) : shown.length === 0 ? (
        <Text c="dimmed">
          {store.members.length === 0 ? "No members yet." : "No member matches these filters."}
        </Text>
      ) : (
        <MembersTable
          members={shown}
          status={store.status}
          effective={store.effective}
          requestsToday={store.requestsToday}
          alerts={store.alerts}
          me={me}
          onSetStatus={(m, s) => void setStatus(m, s)}
          onDelete={setDeleting}
        />
      )}

      <CreateMemberModal
        opened={creating}
        onClose={() => setCreating(false)}
        roles={assignableRoles(me)}
        create={store.createMember}
        onCreated={(m) => navigate(`members/${encodeURIComponent(m.id)}`)}
      />
      <ConfirmDialog
        opened={deleting !== undefined}
        title="Delete member"
        confirmLabel="Delete member"
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (deleting) await store.deleteMember(deleting.id);
        }}
      >
        <Text size="sm">
          Delete <b>{deleting?.name}</b>? Every key of theirs stops working now. Their usage and
          history stay; this cannot be undone.
        </Text>
      </ConfirmDialog>
    </Stack>
  );
}
