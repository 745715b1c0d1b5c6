// Top-level errors: every one carries `extensions.code` (README, "Errors").
// Switch on the code, never on the message.
import type { CombinedError, OperationResult } from "@urql/core";

import { SignedOutError } from "./session.js";

/** A failed operation: its top-level codes, in order (empty for a network failure). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly codes: readonly string[];

  constructor(message: string, codes: readonly string[]) {
    super(message);
    this.codes = codes;
  }
}

/** The `extensions.code` of each error of a GraphQL answer (`errors[]`), parsed or not. */
export function codesOf(errors: readonly { readonly extensions?: unknown }[]): string[] {
  return errors.flatMap(({ extensions }) => {
    if (typeof extensions !== "object" || extensions === null || !("code" in extensions)) return [];
    return typeof extensions.code === "string" ? [extensions.code] : [];
  });
}

function failure(error: CombinedError): Error {
  // The fetch wrapper's SignedOutError arrives as urql's network error: hand it on as it is.
  if (error.networkError instanceof SignedOutError) return error.networkError;
  const codes = codesOf(error.graphQLErrors);
  const detail = codes.length > 0 ? codes.join(", ") : "no code";
  return new ApiError(`${error.message} (${detail})`, codes);
}

/** The data of a result, or an ApiError (or SignedOutError) when the operation failed. */
export function dataOf<Data>(result: OperationResult<Data>): Data {
  if (result.error) throw failure(result.error);
  if (result.data === undefined) throw new ApiError("an answer without data or errors", []);
  return result.data;
}
