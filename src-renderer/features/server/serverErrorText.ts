import { ApiRequestError, describeError } from "../../api/ApiRequestError";

/** What to tell a person about a failed call: the server's own message when it sent one. */
export function serverErrorText(err: unknown): string {
  if (err instanceof ApiRequestError && err.serverError) return err.serverError.message;
  return describeError(err);
}
