import type { AssignableRole, MemberDto } from "@contract";
import { Button, Group, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { errorText } from "./errorText";

export interface CreateMemberModalProps {
  opened: boolean;
  onClose: () => void;
  /** The roles the signed-in person may give (only the owner may add admins). */
  roles: AssignableRole[];
  create: (body: {
    name: string;
    email?: string | null;
    role: AssignableRole;
  }) => Promise<MemberDto>;
  /** Called with the new member (e.g. to open their page and hand them a key). */
  onCreated: (member: MemberDto) => void;
}

const ROLE_LABELS: Record<AssignableRole, string> = {
  member: "Member — their own keys and usage",
  viewer: "Viewer — reads everything, changes nothing",
  admin: "Admin — manages members and limits",
};

/** Add a member: name, optional email, role. */
export function CreateMemberModal({
  opened,
  onClose,
  roles,
  create,
  onCreated,
}: CreateMemberModalProps) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<AssignableRole>("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const close = () => {
    setName("");
    setEmail("");
    setRole("member");
    setError(undefined);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      setError("Enter a name.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const member = await create({ name: name.trim(), email: email.trim() || null, role });
      close();
      onCreated(member);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={close} title="Add a member" centered>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
          />
          <TextInput
            label="Email"
            description="Optional"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <Select
            label="Role"
            data={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            value={role}
            onChange={(v) => v && setRole(v as AssignableRole)}
            allowDeselect={false}
          />
          {error && (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Add member
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
