import {
  AUTO_MODEL,
  DeletedGuardPolicyDto,
  GuardDto,
  GuardTestBody,
  GuardTestDto,
  PutGuardPolicyBody,
  type GuardPolicyDto,
  type GuardScope,
} from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import { PlaceholderBook } from "../../guard/placeholders.js";
import type { PiiType } from "../../guard/types.js";
import type { PolicyFields } from "../../store/guardRepo.js";
import { changeableMember, visibleMember } from "./access.js";
import { mutate, notFound, route, type Call, type ManageRoute } from "./routeTable.js";

const MAX_ID = 256;

/** A model, pool, alias id (or `auto`) from the path, which must exist. */
async function knownModel(c: Call, id: string): Promise<string> {
  if (id.length > MAX_ID || !/^[\x21-\x7e]+$/.test(id))
    throw invalidRequest(`A model id is 1 to ${MAX_ID} visible ASCII characters.`, "id");
  if (id === AUTO_MODEL || c.deps.store.routing.alias(id) || c.deps.store.pools.get(id)) return id;
  if (await c.deps.localModelExists(id)) return id;
  throw invalidRequest(`No model, pool or alias '${id}'.`, "id");
}

/**
 * The policy a PUT stores: the body over what was stored (absent fields kept, or defaulted).
 * `keep-local` needs a local model to keep requests on, here or in the org's policy.
 */
async function policyOf(
  c: Call<unknown, PutGuardPolicyBody>,
  before: GuardPolicyDto | undefined,
  scope: GuardScope,
): Promise<PolicyFields> {
  const b = c.body;
  // Restoring is about who reads the answer (the member), not where it was served.
  if (scope === "model" && b.restore !== undefined && b.restore !== null)
    throw invalidRequest(
      "restore is set on the org's or a member's policy, not on a model's.",
      "restore",
    );
  const p: PolicyFields = {
    pii_mode: b.pii_mode,
    pii_types: b.pii_types !== undefined ? b.pii_types : (before?.pii_types ?? null),
    apply_local: b.apply_local ?? before?.apply_local ?? false,
    keep_local_model:
      b.keep_local_model !== undefined ? b.keep_local_model : (before?.keep_local_model ?? null),
    restore:
      b.restore !== undefined ? b.restore : (before?.restore ?? (scope === "org" ? false : null)),
  };
  if (scope === "org" && p.restore === null) p.restore = false;
  if (p.keep_local_model !== null && !(await c.deps.localModelExists(p.keep_local_model)))
    throw invalidRequest(
      `keep_local_model must be a local model; '${p.keep_local_model}' is not one.`,
      "keep_local_model",
    );
  if (
    p.pii_mode === "keep-local" &&
    p.keep_local_model === null &&
    c.deps.store.guard.org().keep_local_model === null
  )
    throw invalidRequest(
      "keep-local needs a local model to serve such requests: set keep_local_model here or in the org policy.",
      "keep_local_model",
    );
  return p;
}

function putPolicy(
  c: Call<unknown, PutGuardPolicyBody>,
  scope: GuardScope,
  id: string,
  p: PolicyFields,
) {
  const repo = c.deps.store.guard;
  return mutate(
    c,
    {
      action: `guard.${scope}.set`,
      targetType: scope === "model" ? "model" : scope,
      targetId: scope === "org" ? null : id,
      memberId: scope === "member" ? id : null,
    },
    () => {
      const before = scope === "org" ? repo.org() : (repo.get(scope, id) ?? null);
      const after = repo.put(scope, id, p);
      return { before, after, result: after };
    },
  );
}

function deletePolicy(c: Call, scope: "member" | "model", id: string) {
  const repo = c.deps.store.guard;
  const before = repo.get(scope, id);
  if (!before) throw notFound("guard policy");
  return mutate(
    c,
    {
      action: `guard.${scope}.delete`,
      targetType: scope,
      targetId: id,
      memberId: scope === "member" ? id : null,
    },
    () => {
      repo.remove(scope, id);
      return { before, after: null, result: { scope, scope_id: id, deleted: true as const } };
    },
  );
}

/**
 * Guardrails (docs/GUARDRAILS.md): PII policies per org, member and model/pool/alias, the
 * KeyVault's state, and a dry run of what would be redacted. Reading is for staff; changing a
 * policy for admins (every change an audit row); turning KeyVault off is on the connection and
 * the owner's alone.
 */
export const guardRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/guard",
    access: "staff",
    summary: "PII policies (org, members, models) and the KeyVault's state",
    response: GuardDto,
    handle: (c): GuardDto => {
      const repo = c.deps.store.guard;
      return {
        org: repo.org(),
        members: repo.list("member"),
        models: repo.list("model"),
        keyvault: {
          ...c.deps.guard.keyVaultInfo(),
          off_connections: repo.keyVaultOff(),
        },
      };
    },
  }),
  route({
    method: "put",
    path: "/guard/org",
    access: "admin",
    summary: "Set the org's PII policy (the default for every member and model)",
    body: PutGuardPolicyBody,
    response: GuardDto.shape.org,
    handle: async (c) => {
      const p = await policyOf(c, c.deps.store.guard.org(), "org");
      return putPolicy(c, "org", "", p);
    },
  }),
  route({
    method: "put",
    path: "/guard/members/:id",
    access: "admin",
    summary: "Set a member's PII policy (overrides the org's)",
    body: PutGuardPolicyBody,
    response: GuardDto.shape.org,
    handle: async (c) => {
      const member = changeableMember(c, c.params.id!);
      const p = await policyOf(c, c.deps.store.guard.get("member", member.id), "member");
      return putPolicy(c, "member", member.id, p);
    },
  }),
  route({
    method: "delete",
    path: "/guard/members/:id",
    access: "admin",
    summary: "Remove a member's PII policy (the org's applies again)",
    response: DeletedGuardPolicyDto,
    handle: (c) => deletePolicy(c, "member", changeableMember(c, c.params.id!).id),
  }),
  route({
    method: "put",
    path: "/guard/models/*id",
    access: "admin",
    summary: "Set the PII policy of a model, pool or alias (overrides member and org policies)",
    body: PutGuardPolicyBody,
    response: GuardDto.shape.org,
    handle: async (c) => {
      const id = await knownModel(c, c.params.id!);
      const p = await policyOf(c, c.deps.store.guard.get("model", id), "model");
      return putPolicy(c, "model", id, p);
    },
  }),
  route({
    method: "delete",
    path: "/guard/models/*id",
    access: "admin",
    summary: "Remove the PII policy of a model, pool or alias",
    response: DeletedGuardPolicyDto,
    handle: (c) => deletePolicy(c, "model", c.params.id!),
  }),
  route({
    method: "post",
    path: "/guard/test",
    access: "staff",
    summary: "What the guard would find and redact in a text, for a member and model",
    body: GuardTestBody,
    response: GuardTestDto,
    handle: async (c): Promise<GuardTestDto> => {
      const memberId = c.body.member_id ?? c.principal.memberId;
      visibleMember(c, memberId);
      const model = c.body.model;
      const local = model !== undefined && (await c.deps.localModelExists(model));
      const p = c.deps.guard.policy(memberId, model ?? "", model ?? "");
      const piiOn = p.mode !== "off" && (!local || p.applyLocal);
      const findings = c.deps.guard.scan(
        c.body.text,
        p.types as ReadonlySet<PiiType> | null,
        piiOn,
      );
      const foundPii = findings.some((f) => f.kind === "pii");
      const action =
        foundPii && p.mode === "block"
          ? "blocked"
          : foundPii && p.mode === "keep-local" && !local
            ? "kept_local"
            : findings.some(
                  (f) =>
                    (f.kind === "secret" && !local) || (f.kind === "pii" && p.mode === "redact"),
                )
              ? "redacted"
              : "sent";
      // Placeholders as the gateway numbers them: per label, in order of first appearance.
      const book = new PlaceholderBook();
      let redacted = "";
      let at = 0;
      const out = findings.map((f) => {
        const replaced =
          (f.kind === "secret" && !local) || (f.kind === "pii" && p.mode === "redact");
        let placeholder: string | null = null;
        if (replaced) {
          book.add(f);
          placeholder = book.byValue.get(f.value)!;
          redacted += c.body.text.slice(at, f.start) + placeholder;
          at = f.end;
        }
        return {
          kind: f.kind,
          type: f.type,
          rule: f.rule,
          start: f.start,
          end: f.end,
          placeholder,
        };
      });
      redacted += c.body.text.slice(at);
      return {
        findings: out,
        redacted,
        pii_mode: p.mode,
        pii_scope: p.scope,
        action,
        keep_local_model: action === "kept_local" ? p.keepLocalModel : null,
      };
    },
  }),
];
