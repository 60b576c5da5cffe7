import { BenchtopConnection, type BenchtopBridge } from "@contract";
import { ApiRequestError } from "./ApiRequestError";

declare global {
  interface Window {
    /** Present only inside the Electron window (exposed by src-main/shell/preload.cts). */
    benchtop?: BenchtopBridge;
  }
}

/**
 * Where the API is. In Electron the preload bridge says (the window loads the page from the
 * core's loopback server, so this equals the page's origin); in a browser the page was served by the API's own HTTP server, so it is the page's origin.
 */
export async function resolveConnection(): Promise<BenchtopConnection> {
  if (window.benchtop) {
    const parsed = BenchtopConnection.safeParse(await window.benchtop.getConnection());
    if (!parsed.success) {
      throw new ApiRequestError("invalid_response", "The desktop app gave an invalid API address.");
    }
    return parsed.data;
  }
  const { origin, protocol } = window.location;
  if (protocol !== "http:" && protocol !== "https:") {
    throw new ApiRequestError(
      "unreachable",
      "No API address: open this page through the Benchtop app or its HTTP server.",
    );
  }
  return { baseUrl: origin };
}
