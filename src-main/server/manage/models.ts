import path from "node:path";
import {
  CatalogModelListDto,
  CreateDownloadBody,
  DeletedDownloadDto,
  DeletedModelDto,
  DownloadDto,
  DownloadListDto,
  ImportModelBody,
  LocalModelDto,
  LocalModelListDto,
  ModelSettingsBody,
  ModelSettingsResultDto,
} from "../../contract/index.js";
import { EngineError } from "../../engine/EngineError.js";
import { ApiError, fromEngineError, invalidRequest } from "../../gateway/errors.js";
import { downloadUrlProblem } from "../../models/httpTransfer.js";
import type { LocalModels } from "../../models/LocalModels.js";
import { idFromFileName } from "../../models/modelFiles.js";
import { settingsDto } from "../../models/loadSettingsView.js";
import { ModelsError } from "../../models/ModelsError.js";
import { conflict, mutate, notFound, route, type Call, type ManageRoute } from "./routeTable.js";

function modelsOf(c: Call): LocalModels {
  if (!c.deps.models)
    throw new ApiError(
      503,
      "server_error",
      "Model management is not available on this server.",
      "models_unavailable",
    );
  return c.deps.models;
}

/** Runs `fn`, answering model-management refusals and engine failures as API errors. */
async function answering<T>(kind: "model" | "download", id: string, fn: () => T | Promise<T>) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ModelsError) {
      if (err.kind === "not_found") throw notFound(kind);
      if (err.kind === "conflict") throw conflict(err.message, err.code);
      throw invalidRequest(err.message, err.param, err.code);
    }
    if (err instanceof EngineError) throw fromEngineError(err, id);
    throw err;
  }
}

const modelTarget = (action: string, id: string | null) => ({
  action,
  targetType: "model",
  targetId: id,
  memberId: null,
});
const downloadTarget = (action: string, id: string | null) => ({
  action,
  targetType: "model_download",
  targetId: id,
  memberId: null,
});

/** The id a download URL's file name gives, e.g. `.../resolve/main/qwen-q4_k_m.gguf` → `qwen-q4_k_m`. */
function idFromUrl(url: string): string | undefined {
  const last = new URL(url).pathname.split("/").pop() ?? "";
  try {
    return idFromFileName(decodeURIComponent(last));
  } catch {
    return undefined;
  }
}

/**
 * Refuses an id that names a pool: local models are routed first, so a local model of that id
 * would take every request meant for the pool (pools refuse local ids the same way).
 */
function refusePoolId(c: Call, id: string): void {
  if (c.deps.store.pools.get(id))
    throw conflict(
      `'${id}' is a pool's model id: a local model of that name would take every request meant for the pool. Pick another id.`,
      "model_id_taken",
    );
}

/**
 * Local model management: list with fit estimates, load, unload, delete, import, the catalog and
 * downloads. Reads are for staff, changes for admins; members reach none of it (DESIGN.md §5).
 * Specific paths come before `/models/:id` so that `catalog`, `downloads` and `import` are never
 * taken for model ids.
 */
export const modelRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/models",
    access: "staff",
    summary: "Local models with load state, memory in use and fit estimates; this machine's memory",
    response: LocalModelListDto,
    handle: (c) => modelsOf(c).list(),
  }),
  route({
    method: "get",
    path: "/models/catalog",
    access: "staff",
    summary: "Recommended GGUF models to download (resources/catalog/models.json)",
    response: CatalogModelListDto,
    handle: async (c) => ({ object: "list", data: await modelsOf(c).catalog() }),
  }),
  route({
    method: "get",
    path: "/models/downloads",
    access: "staff",
    summary: "Downloads with state, bytes done and total, speed and ETA",
    response: DownloadListDto,
    handle: (c) => ({ object: "list", data: modelsOf(c).downloads.list() }),
  }),
  route({
    method: "post",
    path: "/models/downloads",
    access: "admin",
    summary: "Download a GGUF model by https URL (resumes a stopped download of the same URL)",
    body: CreateDownloadBody,
    response: DownloadDto,
    status: 202,
    handle: async (c) => {
      const models = modelsOf(c);
      const { url } = c.body;
      const problem = downloadUrlProblem(url);
      if (problem) throw invalidRequest(`'url' ${problem}.`, "url", "invalid_url");
      const id = c.body.id ?? idFromUrl(url);
      if (!id)
        throw invalidRequest(
          "The URL does not end in a usable file name: pass 'id'.",
          "id",
          "invalid_model_id",
        );
      refusePoolId(c, id);
      if (await models.exists(id))
        throw conflict(`A model '${id}' is already in the models folder.`, "model_exists");
      return answering("download", id, () =>
        mutate(c, downloadTarget("model.download.start", null), () => {
          const dto = models.downloads.start(url, id);
          return { before: null, after: dto, result: dto, targetId: dto.id };
        }),
      );
    },
  }),
  route({
    method: "get",
    path: "/models/downloads/:id",
    access: "staff",
    summary: "One download",
    response: DownloadDto,
    handle: (c) => {
      const dto = modelsOf(c).downloads.get(c.params.id!);
      if (!dto) throw notFound("download");
      return dto;
    },
  }),
  route({
    method: "post",
    path: "/models/downloads/:id/cancel",
    access: "admin",
    summary: "Stop a download; its partial file is kept so it can be resumed",
    response: DownloadDto,
    handle: async (c) => {
      const downloads = modelsOf(c).downloads;
      const id = c.params.id!;
      const before = downloads.get(id);
      if (!before) throw notFound("download");
      const after = await answering("download", id, () => downloads.cancel(id));
      return mutate(c, downloadTarget("model.download.cancel", id), () => ({
        before,
        after,
        result: after,
      }));
    },
  }),
  route({
    method: "post",
    path: "/models/downloads/:id/resume",
    access: "admin",
    summary: "Continue a cancelled, failed or paused download from its partial file",
    response: DownloadDto,
    handle: (c) => {
      const downloads = modelsOf(c).downloads;
      const id = c.params.id!;
      return answering("download", id, () =>
        mutate(c, downloadTarget("model.download.resume", id), () => {
          const before = downloads.get(id);
          const after = downloads.resume(id);
          return { before, after, result: after };
        }),
      );
    },
  }),
  route({
    method: "delete",
    path: "/models/downloads/:id",
    access: "admin",
    summary: "Forget a download that is not running (an unfinished one's partial file is deleted)",
    response: DeletedDownloadDto,
    handle: async (c) => {
      const downloads = modelsOf(c).downloads;
      const id = c.params.id!;
      const before = await answering("download", id, () => downloads.remove(id));
      const result = { id, deleted: true as const };
      return mutate(c, downloadTarget("model.download.delete", id), () => ({
        before,
        after: result,
        result,
      }));
    },
  }),
  route({
    method: "post",
    path: "/models/import",
    access: "admin",
    summary: "Copy a GGUF file from a path on this machine into the models folder",
    body: ImportModelBody,
    response: LocalModelDto,
    status: 201,
    handle: async (c) => {
      const models = modelsOf(c);
      const named = c.body.id ?? idFromFileName(path.basename(c.body.path));
      if (named) refusePoolId(c, named);
      const dto = await answering("model", c.body.id ?? "", () =>
        models.import(c.body.path, c.body.id),
      );
      return mutate(c, modelTarget("model.import", dto.id), () => ({
        before: null,
        after: { ...dto, source_path: c.body.path },
        result: dto,
      }));
    },
  }),
  route({
    method: "get",
    path: "/models/:id",
    access: "staff",
    summary: "One local model",
    response: LocalModelDto,
    handle: (c) => answering("model", c.params.id!, () => modelsOf(c).get(c.params.id!)),
  }),
  route({
    method: "post",
    path: "/models/:id/load",
    access: "admin",
    summary: "Load a model into memory now (instead of on its first request)",
    response: LocalModelDto,
    handle: async (c) => {
      const models = modelsOf(c);
      const id = c.params.id!;
      const before = await answering("model", id, () => models.get(id));
      const after = await answering("model", id, () => models.load(id));
      return mutate(c, modelTarget("model.load", id), () => ({ before, after, result: after }));
    },
  }),
  route({
    method: "patch",
    path: "/models/:id/settings",
    access: "admin",
    summary:
      "Change a model's load settings (context, GPU layers, flash attention, KV cache, sequences); a loaded model reloads with them",
    body: ModelSettingsBody,
    response: ModelSettingsResultDto,
    handle: async (c) => {
      const models = modelsOf(c);
      const id = c.params.id!;
      // Stored (and applied) first, audited after: a change that cannot load is put back and
      // answered as an error, so only changes that took effect are in the audit log.
      const { before, result } = await answering("model", id, async () => {
        try {
          return await models.updateSettings(id, c.body);
        } catch (err) {
          // Settings this machine cannot hold are the request's fault here: 400, not 503.
          if (err instanceof EngineError && err.code === "insufficient_memory")
            throw invalidRequest(err.message, "context_size", "insufficient_memory");
          throw err;
        }
      });
      return mutate(c, modelTarget("model.settings", id), () => ({
        before: settingsDto(before),
        after: result.settings,
        result,
      }));
    },
  }),
  route({
    method: "post",
    path: "/models/:id/unload",
    access: "admin",
    summary: "Unload a model from memory (refused while it serves requests)",
    response: LocalModelDto,
    handle: async (c) => {
      const models = modelsOf(c);
      const id = c.params.id!;
      const before = await answering("model", id, () => models.get(id));
      const after = await answering("model", id, () => models.unload(id));
      return mutate(c, modelTarget("model.unload", id), () => ({ before, after, result: after }));
    },
  }),
  route({
    method: "delete",
    path: "/models/:id",
    access: "admin",
    summary: "Unload a model if loaded and delete its file(s) from the models folder",
    response: DeletedModelDto,
    handle: async (c) => {
      const models = modelsOf(c);
      const id = c.params.id!;
      const before = await answering("model", id, () => models.get(id));
      const removed = await answering("model", id, () => models.delete(id));
      const result = {
        id: removed.id,
        deleted: true as const,
        files: removed.files,
        freed_bytes: removed.freedBytes,
      };
      return mutate(c, modelTarget("model.delete", id), () => ({ before, after: result, result }));
    },
  }),
];
