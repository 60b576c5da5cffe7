import { Box, Code, Group, Stack, Tabs, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { keySnippets, normalizeBaseUrl } from "../../lib/keySnippets";
import { useServerStore } from "../../stores/useServerStore";
import { CopyTextButton } from "./CopyTextButton";

/**
 * Ready-to-paste snippets for a new key. The address starts as the one this window talks to;
 * the desktop app talks to 127.0.0.1, so the lead can put the LAN address in before copying.
 */
export function KeySnippets({ apiKey, model }: { apiKey: string; model?: string }) {
  const known = useServerStore((s) => s.baseUrl) ?? window.location.origin;
  const [address, setAddress] = useState(known);
  const origin = normalizeBaseUrl(address);
  const snippets = keySnippets(origin ?? known, apiKey, model);
  return (
    <Stack gap="xs">
      <TextInput
        label="Server address"
        description="As the person using the key reaches this machine, e.g. http://192.168.1.20:4747"
        value={address}
        onChange={(e) => setAddress(e.currentTarget.value)}
        error={origin ? undefined : "An http:// or https:// address with no path"}
      />
      <Tabs defaultValue="curl" keepMounted={false}>
        <Tabs.List>
          {snippets.map((s) => (
            <Tabs.Tab key={s.id} value={s.id}>
              {s.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {snippets.map((s) => (
          <Tabs.Panel key={s.id} value={s.id} pt="xs">
            <Box pos="relative">
              <Code block aria-label={`${s.label} snippet`} data-secret pr={48}>
                {s.code}
              </Code>
              <Group pos="absolute" top={6} right={6}>
                <CopyTextButton compact value={s.code} label={`Copy ${s.label} snippet`} />
              </Group>
            </Box>
            {s.id === "claude" && (
              <Text size="xs" c="dimmed" mt={4}>
                Claude Code sends the key as a Bearer token to Benchtop&apos;s Anthropic-compatible
                /v1/messages.
              </Text>
            )}
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
