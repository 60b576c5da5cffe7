import { Button, Container, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { keyFormatProblem, useAuthStore } from "../../stores/useAuthStore";

/** Shown while no key is in use: one key in, checked with the server before it is kept. */
export function SignInPage() {
  const status = useAuthStore((s) => s.status);
  const serverError = useAuthStore((s) => s.error);
  const signIn = useAuthStore((s) => s.signIn);
  const [formatError, setFormatError] = useState<string>();
  const verifying = status === "verifying";
  const error = formatError ?? serverError;

  // The field is uncontrolled: the key never sits in React state or in a DOM attribute.
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const key = String(new FormData(form).get("api-key") ?? "").trim();
    const problem = keyFormatProblem(key);
    setFormatError(problem);
    if (problem) return;
    // Cleared whatever the answer: a rejected key is typed again, not corrected.
    void signIn(key).then(() => form.reset());
  }

  return (
    <Container component="main" size={460} py={48}>
      <Title order={1} size="h3" mb="lg">
        Benchtop
      </Title>
      <Paper withBorder p="lg" component="section" aria-labelledby="signin-title">
        <Title order={2} size="h4" id="signin-title" mb={4}>
          Sign in
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          Enter your Benchtop API key. It is kept in this tab only and forgotten when you close it.
        </Text>
        <form onSubmit={submit} noValidate>
          <Stack gap="sm" align="flex-start">
            <TextInput
              label="API key"
              type="password"
              name="api-key"
              autoComplete="off"
              spellCheck={false}
              placeholder="btk_…"
              w="100%"
              onChange={() => setFormatError(undefined)}
              error={error}
              // The reason is announced as soon as it appears (a refused key, a typo).
              errorProps={{ role: "alert" }}
              readOnly={verifying}
            />
            <Button type="submit" loading={verifying}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Container>
  );
}
