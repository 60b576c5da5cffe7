import type { AddCreditsBody, CreditsDto } from "@contract";
import {
  Button,
  Card,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState, type FormEvent } from "react";
import { formatMoney, parseMoney } from "../../lib/formatMoney";
import { errorText } from "./errorText";

type Kind = AddCreditsBody["kind"];

const KIND_LABELS: Record<Kind, string> = {
  topup: "Top-up",
  grant: "Grant",
  adjustment: "Adjustment (may be negative)",
};

export interface CreditsCardProps {
  credits?: CreditsDto;
  /** Owner and admins add credits (of members they may change). */
  canAdd: boolean;
  onAdd: (body: AddCreditsBody) => Promise<void>;
}

/** The balance (a sum of the ledger), a top-up form, and the newest ledger entries. */
export function CreditsCard({ credits, canAdd, onAdd }: CreditsCardProps) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="credits-title">
      <Title order={3} size="h4" id="credits-title" mb="sm">
        Credits
      </Title>
      {!credits ? (
        <Loader size="sm" aria-label="Loading credits…" />
      ) : (
        <Stack gap="md">
          <SimpleGrid cols={3} spacing="sm">
            <Amount label="Balance" micros={credits.balance_micros} />
            <Amount label="Held" micros={credits.reserved_micros} />
            <Amount label="Available" micros={credits.available_micros} />
          </SimpleGrid>
          <Text size="xs" c="dimmed">
            Credits pay for member-paid models only; the lab pays for the others.
          </Text>
          {canAdd && <AddCreditsForm onAdd={onAdd} />}
          <Ledger entries={credits.entries} />
        </Stack>
      )}
    </Card>
  );
}

function Amount({ label, micros }: { label: string; micros: number }) {
  return (
    <Stack gap={0} data-amount={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fw={600} c={micros < 0 ? "red" : undefined}>
        {formatMoney(micros)}
      </Text>
    </Stack>
  );
}

function AddCreditsForm({ onAdd }: { onAdd: CreditsCardProps["onAdd"] }) {
  const [kind, setKind] = useState<Kind>("topup");
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseMoney(amount, { allowNegative: kind === "adjustment", allowZero: false });
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setBusy(true);
    try {
      await onAdd({
        kind,
        amount_micros: parsed.micros,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      notifications.show({ message: `${formatMoney(parsed.micros)} added.` });
      setAmount("");
      setNote("");
      setError(undefined);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Add credits" noValidate>
      <Stack gap="xs">
        <Group grow align="flex-start">
          <Select
            label="Kind"
            data={(Object.keys(KIND_LABELS) as Kind[]).map((k) => ({
              value: k,
              label: KIND_LABELS[k],
            }))}
            value={kind}
            onChange={(v) => v && setKind(v as Kind)}
            allowDeselect={false}
          />
          <TextInput
            label="Amount"
            leftSection="$"
            inputMode="decimal"
            placeholder="10.00"
            value={amount}
            onChange={(e) => {
              setAmount(e.currentTarget.value);
              setError(undefined);
            }}
            error={error}
          />
        </Group>
        <Group align="flex-end">
          <TextInput
            label="Note"
            description="Optional"
            value={note}
            maxLength={500}
            onChange={(e) => setNote(e.currentTarget.value)}
            style={{ flex: 1 }}
          />
          <Button type="submit" loading={busy}>
            Add credits
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const ENTRY_LABELS: Record<CreditsDto["entries"][number]["kind"], string> = {
  grant: "Grant",
  topup: "Top-up",
  adjustment: "Adjustment",
  debit: "Usage",
};

function Ledger({ entries }: { entries: CreditsDto["entries"] }) {
  if (!entries.length)
    return (
      <Text size="sm" c="dimmed">
        No credit entries yet.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={360} mah={260}>
      <Table aria-label="Credit ledger" verticalSpacing={4} fz="sm" stickyHeader>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th ta="right">Amount</Table.Th>
            <Table.Th>Note</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>{new Date(e.created_ms).toLocaleString()}</Table.Td>
              <Table.Td>{ENTRY_LABELS[e.kind]}</Table.Td>
              <Table.Td ta="right" c={e.amount_micros < 0 ? "red" : "teal"}>
                {formatMoney(e.amount_micros)}
              </Table.Td>
              <Table.Td>{e.note ?? ""}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
