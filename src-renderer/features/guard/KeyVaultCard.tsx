import type { GuardDto } from "@contract";
import { Alert, Anchor, Badge, Group, List, Paper, Text, Title } from "@mantine/core";

/**
 * The KeyVault (secret redaction): how many rules loaded and from where, whether the detectors
 * work (when they do not, every remote request is refused: fail closed), and the connections an
 * owner turned it off for. It has no policy here: it is on for every remote target.
 */
export function KeyVaultCard({ keyvault }: { keyvault: GuardDto["keyvault"] }) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="keyvault-title">
      <Group gap="sm" mb={4}>
        <Title order={2} size="h4" id="keyvault-title">
          KeyVault
        </Title>
        <Badge color={keyvault.healthy ? "green" : "red"} variant="light">
          {keyvault.healthy ? "Healthy" : "Not working"}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        Secrets (provider keys, cloud credentials, tokens, private keys) are replaced by
        placeholders before a request leaves for a remote provider. Local models get the request as
        written.
      </Text>
      {!keyvault.healthy && (
        <Alert color="red" title="The guard's detectors did not load" mb="sm">
          Remote requests are refused until they do; requests routed to a local model are still
          served.
        </Alert>
      )}
      <Text size="sm">
        {keyvault.rules.toLocaleString("en-US")} secret rules loaded
        {keyvault.sources.length > 0 ? ", from:" : "."}
      </Text>
      {keyvault.sources.length > 0 && (
        <List size="sm" mt={4} aria-label="Rule sources">
          {keyvault.sources.map((s) => (
            <List.Item key={s}>{s}</List.Item>
          ))}
        </List>
      )}
      <Text size="sm" fw={500} mt="sm">
        Connections with KeyVault off
      </Text>
      {keyvault.off_connections.length === 0 ? (
        <Text size="sm" c="dimmed">
          None: every remote request has its secrets redacted.
        </Text>
      ) : (
        <List size="sm" aria-label="Connections with KeyVault off">
          {keyvault.off_connections.map((c) => (
            <List.Item key={c.id}>
              <Anchor href={`#/connections/c/${encodeURIComponent(c.id)}`}>{c.name}</Anchor>{" "}
              <Text span size="xs" c="dimmed">
                secrets leave unredacted for this connection
              </Text>
            </List.Item>
          ))}
        </List>
      )}
    </Paper>
  );
}
