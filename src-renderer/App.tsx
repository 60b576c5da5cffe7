import { Center, Loader, MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { useEffect } from "react";
import { appApi } from "./api/appApi";
import { SignInPage } from "./features/auth/SignInPage";
import { AppLayout } from "./layout/AppLayout";
import { cssVariablesResolver, theme } from "./layout/theme";
import { useAuthStore } from "./stores/useAuthStore";
import { useEventsStore } from "./stores/useEventsStore";
import { useServerStore } from "./stores/useServerStore";

export function App() {
  const status = useAuthStore((s) => s.status);
  const signedIn = status === "signedIn";

  useEffect(() => void useAuthStore.getState().restore(), []);
  // While signed in: poll health (every 5 s by default) and follow the live event stream;
  // forget what was seen on sign-out.
  useEffect(() => {
    if (!signedIn) return;
    const stopPolling = useServerStore.getState().startPolling();
    const stopEvents = useEventsStore.getState().follow(appApi);
    return () => {
      stopPolling();
      stopEvents();
      useServerStore.getState().reset();
    };
  }, [signedIn]);

  return (
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
    >
      <Notifications position="top-right" />
      {signedIn ? (
        <AppLayout />
      ) : status === "restoring" ? (
        <Center h="100vh">
          <Loader aria-label="Signing in…" />
        </Center>
      ) : (
        <SignInPage />
      )}
    </MantineProvider>
  );
}
