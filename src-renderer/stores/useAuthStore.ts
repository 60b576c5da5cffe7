import type { BenchtopConnection } from "@contract";
import { create } from "zustand";
import { ApiRequestError, describeError } from "../api/ApiRequestError";
import { createApiClient, type ApiClient } from "../api/createApiClient";
import type { MeDto } from "@contract";
import { resolveConnection } from "../api/resolveConnection";

/** Every Benchtop key starts with this (src-main/policy/apiKeys.ts). */
export const KEY_PREFIX = "btk_";

/**
 * - `restoring`: looking for a key from the desktop app or this tab's session, and checking it;
 * - `verifying`: asking the server whose key it is;
 * - `signedIn`: `key` is in use; `signedOut`: none is (`error` may say why).
 */
export type AuthStatus = "restoring" | "verifying" | "signedIn" | "signedOut";

/** `desktop`: the owner token handed over by the Electron app; `typed`: entered in the form. */
export type KeySource = "desktop" | "typed";

export interface AuthState {
  status: AuthStatus;
  /** The key in use. Sent to the API, never rendered or logged: show `maskKey(key)` at most. */
  key?: string;
  source?: KeySource;
  /** Whose key it is, once `/manage/v1/me` answered. */
  me?: MeDto;
  /** Why the last sign-in failed or the key was dropped, for the sign-in form. */
  error?: string;
  /** Takes the desktop owner token, else this tab's typed key, and checks it. Runs once. */
  restore(): Promise<void>;
  /** Checks a typed key with the server and, if it is accepted, uses it for this tab. */
  signIn(typedKey: string): Promise<void>;
  /** Forgets the key (this tab's copy too). */
  signOut(): void;
  /** The server answered 401 to `key`: forget it if it is still the one in use. */
  rejectKey(key: string, serverMessage: string): void;
}

/** Where a typed key survives a reload: this tab only, so closing the tab forgets it. */
export interface KeyStorage {
  load(): string | undefined;
  save(key: string): void;
  clear(): void;
}

export interface AuthStoreDeps {
  /** Finds the API (and, in Electron, the owner token); called again after a failure. */
  connect: () => Promise<BenchtopConnection>;
  storage: KeyStorage;
  /** Builds a client that sends `apiKey`. Defaults to `createApiClient`. */
  createClient?: (baseUrl: string, apiKey: string) => ApiClient;
}

/** Why `key` cannot be a Benchtop key, checked before asking the server; `undefined` if it can. */
export function keyFormatProblem(key: string): string | undefined {
  if (!key) return "Enter your API key.";
  if (!key.startsWith(KEY_PREFIX)) return `A Benchtop API key starts with ${KEY_PREFIX}.`;
  return undefined;
}

export const rejectedKeyMessage = (serverMessage: string) =>
  `Your key was not accepted: ${serverMessage}`;

export function createAuthStore(deps: AuthStoreDeps) {
  const createClient =
    deps.createClient ?? ((baseUrl, apiKey) => createApiClient(baseUrl, { apiKey: () => apiKey }));
  let connection: Promise<BenchtopConnection> | undefined;
  const getConnection = () =>
    (connection ??= deps.connect().catch((err: unknown) => {
      connection = undefined;
      throw err;
    }));
  let restoring: Promise<void> | undefined;
  // Only the latest sign-in may write: sign-out, or a newer attempt, makes older ones moot.
  let latestAttempt = 0;

  return create<AuthState>()((set, get) => {
    const signedOut = (error?: string) =>
      set({ status: "signedOut", key: undefined, source: undefined, me: undefined, error });

    /**
     * Asks the server whose `key` it is and signs in with it. A 401 signs out with the server's
     * reason. Any other failure (server down, timeout) signs out a freshly typed key, but keeps a
     * restored one: nothing says it is bad, and the status page explains what is wrong.
     */
    async function verify(key: string, source: KeySource, baseUrl: string, restored: boolean) {
      const attempt = ++latestAttempt;
      // A restored key is checked under `restoring`, so the form does not flash up meanwhile.
      if (!restored) set({ status: "verifying", error: undefined });
      try {
        const me = await identify(createClient(baseUrl, key));
        if (attempt !== latestAttempt) return;
        if (source === "typed") deps.storage.save(key);
        set({ status: "signedIn", key, source, me, error: undefined });
      } catch (err) {
        if (attempt !== latestAttempt) return;
        if (err instanceof ApiRequestError && err.status === 401) {
          if (source === "typed") deps.storage.clear();
          signedOut(rejectedKeyMessage(err.serverError?.message ?? describeError(err)));
        } else if (restored) {
          set({ status: "signedIn", key, source, me: undefined, error: undefined });
        } else {
          signedOut(`Could not check your key: ${describeError(err)}`);
        }
      }
    }

    return {
      status: "restoring",

      restore() {
        return (restoring ??= (async () => {
          let found: BenchtopConnection;
          try {
            found = await getConnection();
          } catch (err) {
            signedOut(describeError(err));
            return;
          }
          if (found.ownerToken) {
            await verify(found.ownerToken, "desktop", found.baseUrl, true);
            return;
          }
          const typed = deps.storage.load();
          if (typed) await verify(typed, "typed", found.baseUrl, true);
          else signedOut();
        })());
      },

      async signIn(typedKey) {
        const key = typedKey.trim();
        const problem = keyFormatProblem(key);
        if (problem) {
          signedOut(problem);
          return;
        }
        let found: BenchtopConnection;
        try {
          found = await getConnection();
        } catch (err) {
          signedOut(describeError(err));
          return;
        }
        await verify(key, "typed", found.baseUrl, false);
      },

      signOut() {
        latestAttempt++;
        deps.storage.clear();
        signedOut();
      },

      rejectKey(key, serverMessage) {
        const { key: current, source } = get();
        if (key !== current) return; // an answer to a key already replaced or dropped
        latestAttempt++;
        if (source === "typed") deps.storage.clear();
        signedOut(rejectedKeyMessage(serverMessage));
      },
    };
  });
}

/** Who owns the client's key: `GET /manage/v1/me` (any valid key may call it). */
function identify(client: ApiClient): Promise<MeDto> {
  return client.getMe();
}

/** `sessionStorage`, which a browser may refuse (storage disabled): then a key lasts until reload. */
export function sessionKeyStorage(name = "benchtop.apiKey"): KeyStorage {
  return {
    load() {
      try {
        return window.sessionStorage.getItem(name) ?? undefined;
      } catch {
        return undefined;
      }
    },
    save(key) {
      try {
        window.sessionStorage.setItem(name, key);
      } catch {
        // Storage refused: nothing to do, the key is still in memory.
      }
    },
    clear() {
      try {
        window.sessionStorage.removeItem(name);
      } catch {
        // Storage refused: nothing was saved.
      }
    },
  };
}

export const useAuthStore = createAuthStore({
  connect: resolveConnection,
  storage: sessionKeyStorage(),
});
