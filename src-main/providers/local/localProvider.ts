import type { EngineRequestOptions, LocalEngine } from "../../engine/LocalEngine.js";
import type { ChatRequest, RequestContext, Sampling } from "../../gateway/types.js";
import type { Provider } from "../types.js";
import { localChatInput, localRefusal } from "./localConversation.js";

/** The local GPU (or CPU) as a provider: every `.gguf` in the models dir is a model. */
export function localProvider(engine: LocalEngine): Provider {
  const sampling = (s: Sampling) => ({
    // A ceiling to fit (Anthropic's max_tokens) goes as a cap: the engine stops at it or at the
    // context's end, whichever comes first, and never refuses for it.
    ...(s.fitMaxTokens && s.maxTokens !== undefined
      ? { maxTokens: undefined, maxTokensCap: Math.min(s.maxTokens, s.maxTokensCap ?? Infinity) }
      : { maxTokens: s.maxTokens, maxTokensCap: s.maxTokensCap }),
    temperature: s.temperature,
    topP: s.topP,
    seed: s.seed,
    stop: s.stop,
    grammar: s.grammar,
  });
  return {
    id: "local",
    local: true,
    async listModels() {
      const models = await engine.listModels();
      return models
        .filter((m) => !m.error)
        .map((m) => ({ id: m.id, created: Math.floor(m.mtimeMs / 1000), ownedBy: "benchtop" }));
    },
    contextTokens(model) {
      // The model's own context per sequence: loaded, or what its settings will load it with.
      return engine.contextTokens(model);
    },
    async hasModel(model) {
      return (await engine.registry.find(model)) !== undefined;
    },
    refuse: refuseUnsupported,
    chat(req, ctx) {
      refuseUnsupported(req);
      return engine.generate(
        req.model,
        localChatInput(req),
        sampling(req.sampling),
        engineOpts(ctx),
      );
    },
    complete(req, ctx) {
      return engine.generate(
        req.model,
        { kind: "text", prompt: req.prompt },
        sampling(req.sampling),
        engineOpts(ctx),
      );
    },
    embed(req, ctx) {
      return engine.embed(req.model, req.inputs, engineOpts(ctx));
    },
    async countTokens(req) {
      refuseUnsupported(req);
      return engine.countTokens(req.model, localChatInput(req));
    },
  };
}

/**
 * How the request waits for a sequence: the member's share, its place in line reported to the
 * route, and its session kept apart per member (one member's id never steers another's request).
 */
function engineOpts(ctx: RequestContext): EngineRequestOptions {
  return {
    signal: ctx.signal,
    ...(ctx.share ? { share: ctx.share } : {}),
    ...(ctx.onQueued ? { onQueued: ctx.onQueued } : {}),
    ...(ctx.sessionKey !== undefined
      ? { sessionKey: `${ctx.principal.memberId}\u0000${ctx.sessionKey}` }
      : {}),
  };
}

/** Images (and what else the parser noted) reach local models only as a clear 400, never dropped. */
function refuseUnsupported(req: ChatRequest): void {
  const refusal = localRefusal(req);
  if (refusal) throw refusal;
}
