import type { AssignableRole, MeDto, MemberDto } from "@contract";
import { Button, Group, Modal, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState, type FormEvent } from "react";
import { useReturnFocus } from "../../components/useReturnFocus";
import {
  assignableRoles,
  canDelete,
  canSetStatus,
  type Principal,
} from "../../lib/memberPermissions";
import { useMemberDetailStore } from "../../stores/useMemberDetailStore";
import { useRouteStore } from "../../stores/useRouteStore";
import { ConfirmDialog } from "./ConfirmDialog";
import { errorText } from "./errorText";
import { RoleBadge, StatusBadge } from "./MemberBadges";

/** Name, role, status, and what the signed-in person may do to the member as a whole. */
export function MemberHeader({ member, me }: { member: MemberDto; me: MeDto }) {
  const patch = useMemberDetailStore((s) => s.patch);
  const remove = useMemberDetailStore((s) => s.remove);
  const navigate = useRouteStore((s) => s.navigate);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  // Members edit their own name and email; staff writers whom they may change.
  const canEdit =
    member.status !== "deleted" &&
    (member.id === me.id ? me.role !== "viewer" : canSetStatus(me, member));

  const toggle = async () => {
    const status = member.status === "active" ? "disabled" : "active";
    try {
      await patch({ status });
      notifications.show({
        message: `${member.name} is ${status === "active" ? "enabled" : "disabled"}.`,
      });
    } catch (err) {
      notifications.show({ color: "red", title: "Not changed", message: errorText(err) });
    }
  };

  return (
    <Group justify="space-between" align="flex-start" wrap="wrap">
      <Stack gap={4}>
        <Group gap="sm">
          <Title order={2}>{member.name}</Title>
          <RoleBadge role={member.role} />
          <StatusBadge status={member.status} />
        </Group>
        <Text size="sm" c="dimmed">
          {member.email ?? "No email"} · member since{" "}
          {new Date(member.created_ms).toLocaleDateString()}
        </Text>
      </Stack>
      <Group gap="xs">
        {canEdit && (
          <Button variant="default" onClick={() => setEditing(true)}>
            Edit
          </Button>
        )}
        {canSetStatus(me, member) && (
          <Button variant="default" color="orange" onClick={() => void toggle()}>
            {member.status === "active" ? "Disable" : "Enable"}
          </Button>
        )}
        {canDelete(me, member) && (
          <Button variant="light" color="red" onClick={() => setDeleting(true)}>
            Delete…
          </Button>
        )}
      </Group>
      {editing && (
        <EditMemberModal
          member={member}
          me={me}
          onClose={() => setEditing(false)}
          onSave={async (body) => {
            await patch(body);
            setEditing(false);
          }}
        />
      )}
      <ConfirmDialog
        opened={deleting}
        title="Delete member"
        confirmLabel="Delete member"
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await remove();
          navigate("members");
        }}
      >
        <Text size="sm">
          Delete <b>{member.name}</b>? Every key of theirs stops working now. Their usage and
          history stay; this cannot be undone.
        </Text>
      </ConfirmDialog>
    </Group>
  );
}

interface EditBody {
  name?: string;
  email?: string | null;
  role?: AssignableRole;
}

function EditMemberModal(props: {
  member: MemberDto;
  me: Principal;
  onClose: () => void;
  onSave: (body: EditBody) => Promise<void>;
}) {
  const { member, me } = props;
  useReturnFocus();
  const [name, setName] = useState(member.name);
  const [email, setEmail] = useState(member.email ?? "");
  const [role, setRole] = useState(member.role);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Roles change only where status may (never the owner, never an admin their own).
  const roles = canSetStatus(me, member) ? assignableRoles(me) : [];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: EditBody = {};
    if (name.trim() !== member.name) body.name = name.trim();
    if ((email.trim() || null) !== member.email) body.email = email.trim() || null;
    if (role !== member.role && role !== "owner") body.role = role;
    if (!Object.keys(body).length) return props.onClose();
    setBusy(true);
    try {
      await props.onSave(body);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={props.onClose} title={`Edit ${member.name}`} centered>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack>
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput
            label="Email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          {roles.length > 0 && (
            <Select
              label="Role"
              data={roles}
              value={role}
              onChange={(v) => v && setRole(v as AssignableRole)}
              allowDeselect={false}
            />
          )}
          {error && (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
