import { AUTO_MODEL, type GuardTestDto } from "@contract";
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useState, type FormEvent } from "react";
import type { GuardMember } from "../../stores/useGuardStore";
import { errorText } from "../members/errorText";
import {
  ACTION_COLORS,
  highlightSegments,
  MODE_LABELS,
  scopeText,
  testActionText,
} from "./guardView";

export interface GuardTestBoxProps {
  ids: { localModels: string[]; pools: string[]; aliases: string[] };
  members: GuardMember[];
  test: (body: { text: string; model?: string; member_id?: string }) => Promise<GuardTestDto>;
}

/**
 * "What would be redacted": `POST /guard/test` scans a text as a request for the chosen model
 * and member would be scanned, and says what would happen. Nothing is sent or stored. The server
 * answers with offsets, never values: the highlights are cut from the text typed here, which is
 * the only place the values appear.
 */
export function GuardTestBox({ ids, members, test }: GuardTestBoxProps) {
  const [text, setText] = useState("");
  const [model, setModel] = useState<string | null>(null);
  const [member, setMember] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The text the answer is about: edits after the run must not shift the highlights.
  const [result, setResult] = useState<{ text: string; answer: GuardTestDto }>();
  const [error, setError] = useState<string>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text) {
      setError("Type or paste a text to check.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const answer = await test({
        text,
        ...(model ? { model } : {}),
        ...(member ? { member_id: member } : {}),
      });
      setResult({ text, answer });
    } catch (err) {
      setResult(undefined);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const modelChoices = [
    { group: "Routing", items: [AUTO_MODEL] },
    { group: "Local models", items: ids.localModels },
    { group: "Pools", items: ids.pools },
    { group: "Aliases", items: ids.aliases },
  ].filter((g) => g.items.length > 0);
  const answer = result?.answer;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="guard-test-title">
      <Title order={2} size="h4" id="guard-test-title" mb={4}>
        What would be redacted
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Paste a prompt to see what the guard finds in it and what a remote provider would receive.
        Nothing is sent to a model or stored.
      </Text>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Test the guard">
        <Stack gap="sm">
          <Textarea
            label="Text"
            placeholder="e.g. Mail jo@example.com the deploy token"
            autosize
            minRows={3}
            maxRows={12}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
          />
          <Group align="flex-end" gap="sm" wrap="wrap">
            <Select
              label="Model"
              placeholder="Any remote target"
              data={modelChoices}
              value={model}
              onChange={setModel}
              clearable
              searchable
              w={240}
            />
            <Select
              label="As member"
              placeholder="Yourself"
              data={members.map((m) => ({ value: m.id, label: m.name }))}
              value={member}
              onChange={setMember}
              clearable
              searchable
              w={240}
            />
            <Button type="submit" loading={busy}>
              Check it
            </Button>
          </Group>
          {error && (
            <Alert color="red" title="Could not check it">
              {error}
            </Alert>
          )}
        </Stack>
      </form>
      {result && answer && (
        <Stack gap="sm" mt="md" aria-label="Guard test result" role="region">
          <Group gap="sm">
            <Badge
              color={ACTION_COLORS[answer.action]}
              variant="light"
              tt="none"
              data-action={answer.action}
            >
              {testActionText(answer)}
            </Badge>
            <Text size="sm" data-effective-mode>
              Mode {MODE_LABELS[answer.pii_mode]}, from {scopeText(answer.pii_scope)}
            </Text>
          </Group>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Found ({answer.findings.length})
            </Text>
            <Text
              size="sm"
              component="div"
              data-highlighted
              style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}
            >
              {highlightSegments(result.text, answer.findings).map((s, i) =>
                s.finding ? (
                  <mark
                    key={i}
                    data-finding={s.finding.type}
                    title={`${s.finding.kind === "secret" ? "Secret" : "Personal data"}: ${s.finding.type}`}
                    style={{
                      background:
                        s.finding.kind === "secret"
                          ? "var(--mantine-color-orange-light)"
                          : "var(--mantine-color-blue-light)",
                      color: "inherit",
                      borderRadius: 3,
                      padding: "0 2px",
                    }}
                  >
                    {s.text}
                    <Text span size="xs" fw={700} ml={4} c="dimmed">
                      {s.finding.type}
                    </Text>
                  </mark>
                ) : (
                  <span key={i}>{s.text}</span>
                ),
              )}
            </Text>
          </Stack>
          {answer.findings.length > 0 && (
            <Table aria-label="Findings" verticalSpacing={2} maw={640}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Kind</Table.Th>
                  <Table.Th scope="col">Type</Table.Th>
                  <Table.Th scope="col">Rule</Table.Th>
                  <Table.Th scope="col">Sent as</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {answer.findings.map((f) => (
                  <Table.Tr key={`${f.start}-${f.end}`}>
                    <Table.Td>{f.kind === "secret" ? "Secret" : "Personal data"}</Table.Td>
                    <Table.Td>{f.type}</Table.Td>
                    <Table.Td>
                      <Text size="xs" ff="monospace">
                        {f.rule}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {f.placeholder ? <Code>{f.placeholder}</Code> : "as written"}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {answer.action === "kept_local" && (
            <Text size="sm" c="dimmed">
              The local model gets the text as written: nothing leaves this machine.
            </Text>
          )}
          {(answer.action === "sent" || answer.action === "redacted") && (
            <Stack gap={4}>
              <Text size="sm" fw={500} id="guard-test-redacted-label">
                What the model receives
              </Text>
              <Code
                block
                aria-labelledby="guard-test-redacted-label"
                data-redacted
                style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}
              >
                {answer.redacted}
              </Code>
            </Stack>
          )}
        </Stack>
      )}
    </Paper>
  );
}
