import { useEffect } from "react";
import { SignedInMember } from "./features/auth/SignedInMember";
import { SignInPage } from "./features/auth/SignInPage";
import { ConnectionBadge } from "./features/server/ConnectionBadge";
import { ServerStatusPage } from "./features/server/ServerStatusPage";
import { useAuthStore } from "./stores/useAuthStore";
import { useServerStore } from "./stores/useServerStore";

export function App() {
  const status = useAuthStore((s) => s.status);
  const signedIn = status === "signedIn";

  useEffect(() => void useAuthStore.getState().restore(), []);
  // Poll the API while signed in (every 5 s by default); forget what was seen on sign-out.
  useEffect(() => {
    if (!signedIn) return;
    const stopPolling = useServerStore.getState().startPolling();
    return () => {
      stopPolling();
      useServerStore.getState().reset();
    };
  }, [signedIn]);

  return (
    <div className="app">
      <header className="app-header">
        <h1 className="wordmark">Benchtop</h1>
        {signedIn && (
          <div className="header-end">
            <ConnectionBadge />
            <SignedInMember />
          </div>
        )}
      </header>
      <main className="app-main">
        {signedIn ? (
          <ServerStatusPage />
        ) : status === "restoring" ? (
          <p className="muted">Signing in…</p>
        ) : (
          <SignInPage />
        )}
      </main>
    </div>
  );
}
