/**
 * A refusal from model management, by kind (the management routes map kinds to HTTP statuses:
 * invalid 400, not_found 404, conflict 409). `code` is the stable machine-readable reason.
 */
export class ModelsError extends Error {
  override name = "ModelsError";
  constructor(
    readonly kind: "invalid" | "not_found" | "conflict",
    readonly code: string,
    message: string,
    /** The request field at fault, for 400s. */
    readonly param: string | null = null,
  ) {
    super(message);
  }
}
