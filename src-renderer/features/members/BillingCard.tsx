import type { BillingMode, PriceDto } from "@contract";
import { Badge, Card, SegmentedControl, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { formatMoney } from "../../lib/formatMoney";
import { errorText } from "./errorText";

export interface BillingCardProps {
  prices: PriceDto[];
  /** Owner and admins may change who pays. */
  canEdit: boolean;
  onChange: (price: PriceDto, mode: BillingMode) => Promise<void>;
}

const MODES = [
  { value: "org", label: "Lab pays" },
  { value: "member", label: "Credits pay" },
];

/**
 * Who pays for each priced model. Billing mode belongs to the model (the API's prices), so a
 * change here applies to every member; unpriced models are free and lab-paid.
 */
export function BillingCard({ prices, canEdit, onChange }: BillingCardProps) {
  const change = async (p: PriceDto, mode: BillingMode) => {
    try {
      await onChange(p, mode);
      notifications.show({
        message: `${p.model}: ${mode === "member" ? "paid from members' credits" : "paid by the lab"}.`,
      });
    } catch (err) {
      notifications.show({ color: "red", title: "Not changed", message: errorText(err) });
    }
  };
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="billing-title">
      <Title order={3} size="h4" id="billing-title" mb={4}>
        Billing mode
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        Set per model, for every member. Unpriced models are free and paid by the lab; caps apply in
        both modes.
      </Text>
      {prices.length === 0 ? (
        <Text size="sm" c="dimmed">
          No model has a price yet: every request is free to this member.
        </Text>
      ) : (
        <Table aria-label="Who pays per model" verticalSpacing={6} fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Model</Table.Th>
              <Table.Th>Per 1M tokens (in / out)</Table.Th>
              <Table.Th>Who pays</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {prices.map((p) => (
              <Table.Tr key={p.model}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {p.model}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {formatMoney(p.input_micros_per_mtok)} / {formatMoney(p.output_micros_per_mtok)}
                </Table.Td>
                <Table.Td>
                  {canEdit ? (
                    <SegmentedControl
                      size="xs"
                      aria-label={`Who pays for ${p.model}`}
                      data={MODES}
                      value={p.billing_mode}
                      onChange={(v) => void change(p, v as BillingMode)}
                    />
                  ) : (
                    <Badge variant="light" tt="none">
                      {MODES.find((m) => m.value === p.billing_mode)?.label}
                    </Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
