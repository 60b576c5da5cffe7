import { AUTO_MODEL, type RouteTestDto } from "@contract";
import {
  Alert,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useState, type FormEvent } from "react";
import { errorText } from "../members/errorText";
import { routeTestRows } from "./routingForm";

export interface TryRouteBoxProps {
  /** The routed ids a prompt may be tried with: `auto` and the aliases. */
  aliases: string[];
  test: (body: {
    model: string;
    prompt: string;
    classifier?: "grammar" | "knn";
  }) => Promise<RouteTestDto>;
}

type ClassifierChoice = "configured" | "grammar" | "knn";

/**
 * "Where would this prompt go, and why": `POST /routes/test` classifies it like a request to the
 * chosen model (with the configured classifier, or the other one to compare) without answering
 * or billing it, and shows the category, the reason, the score and the targets in order.
 */
export function TryRouteBox({ aliases, test }: TryRouteBoxProps) {
  const [prompt, setPrompt] = useState("");
  const [model, setModel] = useState(AUTO_MODEL);
  const [classifier, setClassifier] = useState<ClassifierChoice>("configured");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<RouteTestDto>();
  const [error, setError] = useState<string>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!prompt.trim()) {
      setError("Type a prompt to route.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setResult(
        await test({
          model,
          prompt,
          ...(classifier === "configured" ? {} : { classifier }),
        }),
      );
    } catch (err) {
      setResult(undefined);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="try-route-title">
      <Title order={2} size="h4" id="try-route-title" mb={4}>
        Try a prompt
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Where a request would go and why. The prompt is classified, never answered or billed.
      </Text>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Try a prompt">
        <Stack gap="sm">
          <Textarea
            label="Prompt"
            placeholder="e.g. Why does my Python script raise KeyError?"
            autosize
            minRows={2}
            maxRows={8}
            value={prompt}
            onChange={(e) => setPrompt(e.currentTarget.value)}
          />
          <Group align="flex-end" gap="sm" wrap="wrap">
            <Select
              label="Model"
              data={[AUTO_MODEL, ...aliases]}
              value={model}
              onChange={(v) => v && setModel(v)}
              allowDeselect={false}
              searchable
              w={220}
            />
            <Stack gap={4}>
              <Text size="sm" fw={500} id="try-classifier-label">
                Classifier
              </Text>
              <SegmentedControl
                aria-labelledby="try-classifier-label"
                value={classifier}
                onChange={(v) => setClassifier(v as ClassifierChoice)}
                data={[
                  { value: "configured", label: "As configured" },
                  { value: "grammar", label: "Grammar" },
                  { value: "knn", label: "kNN" },
                ]}
              />
            </Stack>
            <Button type="submit" loading={busy}>
              Route it
            </Button>
          </Group>
          {error && (
            <Alert color="red" title="Could not route it">
              {error}
            </Alert>
          )}
          {result && (
            <Table aria-label="Where it would go" verticalSpacing={4} maw={640}>
              <Table.Tbody>
                {routeTestRows(result).map(([label, value]) => (
                  <Table.Tr key={label}>
                    <Table.Th scope="row" fw={500} w={180}>
                      {label}
                    </Table.Th>
                    <Table.Td ff={label === "Targets, in order" ? "monospace" : undefined}>
                      {value}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
