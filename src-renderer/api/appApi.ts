import { createApiClient, type ApiClient } from "./createApiClient";
import { resolveConnection } from "./resolveConnection";
import { useAuthStore } from "../stores/useAuthStore";

let client: Promise<ApiClient> | undefined;

/**
 * The app's API client: the address from the desktop bridge or the page's origin, the key of
 * whoever is signed in (read at each call), and a 401 signs them out. Every domain store calls
 * the API through this one client.
 */
export function appApi(): Promise<ApiClient> {
  return (client ??= resolveConnection()
    .then(({ baseUrl }) =>
      createApiClient(baseUrl, {
        apiKey: () => useAuthStore.getState().key,
        onKeyRejected: (key, message) => useAuthStore.getState().rejectKey(key, message),
      }),
    )
    .catch((err: unknown) => {
      client = undefined;
      throw err;
    }));
}
