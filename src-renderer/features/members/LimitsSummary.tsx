import type { EffectiveLimitsDto, LimitsViewDto } from "@contract";
import { Badge, Table } from "@mantine/core";
import { accessText, describeLimit, LIMIT_LABELS } from "./limitText";

const ORDER: (keyof EffectiveLimitsDto)[] = [
  "rpm",
  "tpm",
  "max_concurrent",
  "max_tokens",
  "gpu_weight",
  "gpu_priority",
  "max_gpu_sequences",
  "max_queued",
  "daily_cap_micros",
  "monthly_cap_micros",
  "allowed_models",
  "allowed_categories",
];

/**
 * The limits that apply, read-only. For a member (`inherits`), those taken from the default
 * are marked; the org and default scopes inherit nothing.
 */
export function LimitsSummary({
  view,
  inherits = true,
}: {
  view: LimitsViewDto;
  inherits?: boolean;
}) {
  // The access lists are read together: one unset next to a set one grants nothing.
  const access = accessText(view.effective.allowed_models, view.effective.allowed_categories);
  const text = (key: keyof EffectiveLimitsDto) =>
    key === "allowed_models" || key === "allowed_categories"
      ? access[key]
      : describeLimit(key, view.effective[key]);
  return (
    <Table aria-label="Limits that apply" verticalSpacing="xs">
      <Table.Tbody>
        {ORDER.map((key) => (
          <Table.Tr key={key}>
            <Table.Th scope="row" fw={500}>
              {LIMIT_LABELS[key]}
            </Table.Th>
            <Table.Td>{text(key)}</Table.Td>
            <Table.Td ta="right">
              {inherits && view.set[key] === undefined && (
                <Badge variant="light" color="gray" tt="none">
                  default
                </Badge>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
