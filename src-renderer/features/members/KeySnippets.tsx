import type { EffectiveLimitsDto, MemberStatusDto, PriceDto, ServerDto } from "@contract";
import { Alert, Box, Code, Group, Select, Stack, Tabs, Text, TextInput } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import {
  connectAddress,
  keySnippets,
  normalizeBaseUrl,
  suggestMaxTokens,
  MODEL_PLACEHOLDER,
} from "../../lib/keySnippets";
import { useServerStore } from "../../stores/useServerStore";
import { CopyTextButton } from "./CopyTextButton";

export interface ConnectToolProps {
  /** The key to paste in (the dialog that created it), or a placeholder (My account). */
  apiKey: string;
  /** Models the key's member may call (`/v1/models` as them), best first. */
  models: string[];
  limits?: EffectiveLimitsDto;
  status?: MemberStatusDto;
  /** Prices (staff only): bound `max_tokens` by the remaining budget at the model's price. */
  prices?: PriceDto[];
  /** Staff read the server's LAN share URLs (`GET /server`); members use this window's address. */
  staff?: boolean;
}

/**
 * "Connect a tool": setups for Claude Code, Codex CLI, Continue, Aider, the OpenAI and Anthropic
 * SDKs and curl. The address is the LAN share URL where staff can read it (`GET /server`), else
 * the one this window uses, with a warning when only this machine can connect; it stays
 * editable. The model is one the member may call; `max_tokens` one their budget admits.
 */
export function KeySnippets({ apiKey, models, limits, status, prices, staff }: ConnectToolProps) {
  useEffect(() => {
    if (staff) void useServerStore.getState().loadServer();
  }, [staff]);
  const current = useServerStore((s) => s.baseUrl) ?? window.location.origin;
  const server: ServerDto | undefined = useServerStore((s) => s.server);
  const address = connectAddress(current, server);
  const [typed, setTyped] = useState<string>();
  const [picked, setPicked] = useState<string>();
  const text = typed ?? address.origin;
  const origin = normalizeBaseUrl(text);
  const model = picked && models.includes(picked) ? picked : models[0];
  const price = prices?.find((p) => p.model === model);
  const budget = suggestMaxTokens({ limits, status, price });
  const snippets = keySnippets({
    origin: origin ?? address.origin,
    key: apiKey,
    model: model ?? MODEL_PLACEHOLDER,
    maxTokens: budget.maxTokens,
  });
  return (
    <Stack gap="xs">
      <Group align="flex-start" grow>
        <TextInput
          label="Server address"
          description="As teammates reach this machine, e.g. http://192.168.1.20:4747"
          value={text}
          onChange={(e) => setTyped(e.currentTarget.value)}
          error={origin ? undefined : "An http:// or https:// address with no path"}
        />
        <Select
          label="Model"
          description={`max_tokens ${budget.maxTokens}${
            budget.limitedBy === "limit"
              ? " (the member's limit)"
              : budget.limitedBy === "budget"
                ? " (what the remaining budget pays for)"
                : ""
          }`}
          data={models}
          value={model ?? null}
          onChange={(v) => v && setPicked(v)}
          placeholder={models.length ? undefined : "No model this key may call"}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
      </Group>
      {address.warning && typed === undefined && (
        <Alert color="yellow" icon={<IconAlertTriangle size={18} />} p="xs">
          {address.warning}
        </Alert>
      )}
      {budget.exhausted && (
        <Alert color="yellow" icon={<IconAlertTriangle size={18} />} p="xs">
          The remaining budget does not pay for a request to {model} now.
        </Alert>
      )}
      <Tabs defaultValue="claude" keepMounted={false}>
        <Tabs.List>
          {snippets.map((s) => (
            <Tabs.Tab key={s.id} value={s.id}>
              {s.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {snippets.map((s) => (
          <Tabs.Panel key={s.id} value={s.id} pt="xs">
            <Stack gap="xs">
              {s.blocks.map((b) => (
                <Box key={b.title} pos="relative">
                  <Text size="xs" c="dimmed" mb={2}>
                    {b.title}
                  </Text>
                  <Code block aria-label={`${s.label}: ${b.title}`} data-secret pr={48}>
                    {b.code}
                  </Code>
                  <Group pos="absolute" top={22} right={6}>
                    <CopyTextButton compact value={b.code} label={`Copy ${s.label}: ${b.title}`} />
                  </Group>
                </Box>
              ))}
              <Text size="xs" c="dimmed">
                {s.note}
              </Text>
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
