import fs from "node:fs";
import { z } from "zod";
import { CatalogModelDto } from "../contract/index.js";
import { resourceFile } from "../platform/resources.js";

/** A catalog entry as stored (without `installed`, which depends on the models folder). */
export type CatalogEntry = Omit<CatalogModelDto, "installed">;

const CatalogFile = z.object({
  models: z.array(CatalogModelDto.omit({ installed: true })),
});

/**
 * The recommended models, read once. A missing or invalid file is an empty catalog (logged by
 * the caller): downloads by URL and imports still work without it.
 */
export function loadModelCatalog(file = resourceFile("catalog/models.json")): {
  entries: CatalogEntry[];
  error?: string;
} {
  try {
    return { entries: CatalogFile.parse(JSON.parse(fs.readFileSync(file, "utf8"))).models };
  } catch (err) {
    return {
      entries: [],
      error: `Cannot read the model catalog ${file}: ${(err as Error).message}`,
    };
  }
}
