import { Group, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";

/** Label/value rows, e.g. "Version 0.1.0", as a description list. */
export function FactList({ facts }: { facts: [label: string, value: ReactNode][] }) {
  return (
    <Stack component="dl" gap={6} m={0}>
      {facts.map(([label, value]) => (
        <Group key={label} justify="space-between" wrap="nowrap" gap="md">
          <Text component="dt" size="sm" c="dimmed">
            {label}
          </Text>
          <Text component="dd" size="sm" m={0} ta="right">
            {value}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}
