import { useEffect } from "react";
import { ConnectionBadge } from "./features/server/ConnectionBadge";
import { ServerStatusPage } from "./features/server/ServerStatusPage";
import { useServerStore } from "./stores/useServerStore";

export function App() {
  // Poll the API while the app is open (every 5 s by default).
  useEffect(() => useServerStore.getState().startPolling(), []);

  return (
    <div className="app">
      <header className="app-header">
        <h1 className="wordmark">Benchtop</h1>
        <ConnectionBadge />
      </header>
      <main className="app-main">
        <ServerStatusPage />
      </main>
    </div>
  );
}
