import type { ServerDto } from "@contract";
import {
  ActionIcon,
  Card,
  Code,
  CopyButton,
  Group,
  Stack,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { IconCheck, IconCopy } from "@tabler/icons-react";
import { QrCode } from "./QrCode";

const VIA: Record<string, string> = {
  loopback: "this machine only",
  address: "bound address",
  mdns: "host name (mDNS)",
};

/** The base URLs to give teammates, each with a copy button, and a QR code of the first. */
export function ShareUrls({ server }: { server: ServerDto }) {
  const first = server.urls[0];
  return (
    <Card withBorder component="section" aria-labelledby="share-urls-title">
      <Title order={3} size="h4" id="share-urls-title" mb={4}>
        {server.lan ? "Addresses for teammates" : "Address"}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {server.lan
          ? "Give teammates one of these as the OpenAI base URL, with their own key. Plain HTTP: share only on a network you trust."
          : "Benchtop listens on loopback: only programs on this machine can connect. Turn on sharing to get addresses for teammates."}
      </Text>
      <Group align="start" justify="space-between" wrap="wrap" gap="lg">
        <Stack gap="xs" style={{ flex: 1, minWidth: 280 }} component="ul" p={0} m={0}>
          {server.urls.map((u) => (
            <Group key={u.base_url} component="li" gap="xs" wrap="nowrap">
              <Code style={{ wordBreak: "break-all" }}>{u.base_url}</Code>
              <Text size="xs" c="dimmed">
                {VIA[u.via] ?? u.via}
              </Text>
              <CopyButton value={u.base_url} timeout={1500}>
                {({ copied, copy }) => (
                  <Tooltip label={copied ? "Copied" : "Copy"} withArrow>
                    <ActionIcon
                      variant="subtle"
                      color={copied ? "teal" : "gray"}
                      onClick={copy}
                      aria-label={`Copy ${u.base_url}`}
                    >
                      {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                    </ActionIcon>
                  </Tooltip>
                )}
              </CopyButton>
            </Group>
          ))}
        </Stack>
        {server.lan && first && (
          <Stack gap={4} align="center">
            <QrCode text={first.base_url} label={`QR code of ${first.base_url}`} />
            <Text size="xs" c="dimmed">
              {first.base_url}
            </Text>
          </Stack>
        )}
      </Group>
    </Card>
  );
}
