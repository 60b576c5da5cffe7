import type { UpstreamCall } from "./openaiCompatible/adapter.js";

/**
 * One SDK client per connection key, built on first use: clients keep their HTTP connections
 * alive, so reusing them saves a TLS handshake per request. A connection edited since (its URL
 * or headers: `updatedMs` moved) gets a fresh client.
 */
export class ClientCache<C> {
  private readonly clients = new Map<string, { updatedMs: number; client: C }>();

  constructor(private readonly create: (call: UpstreamCall) => C) {}

  get(call: UpstreamCall): C {
    const id = `${call.connection.id}/${call.keyId}`;
    const cached = this.clients.get(id);
    if (cached && cached.updatedMs === call.connection.updatedMs) return cached.client;
    const client = this.create(call);
    this.clients.set(id, { updatedMs: call.connection.updatedMs, client });
    return client;
  }

  forget(connectionId: string): void {
    for (const id of this.clients.keys())
      if (id.startsWith(`${connectionId}/`)) this.clients.delete(id);
  }
}
