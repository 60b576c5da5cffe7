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
    <section className="card signin" aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      <p className="muted">
        Enter your Benchtop API key. It is kept in this tab only and forgotten when you close it.
      </p>
      <form className="signin-form" onSubmit={submit} noValidate>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          className="input"
          type="password"
          name="api-key"
          autoComplete="off"
          spellCheck={false}
          placeholder="btk_…"
          onChange={() => setFormatError(undefined)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "signin-error" : undefined}
          readOnly={verifying}
        />
        {error && (
          <p id="signin-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={verifying}>
          {verifying ? "Checking…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
