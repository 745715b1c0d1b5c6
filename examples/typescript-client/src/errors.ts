// Top-level errors: every one carries `extensions.code`, a value of the schema's
// `enum ErrorCode` (README, "Errors"). Switch on the code, never on the message.
import type { CombinedError, OperationResult } from "@urql/core";

import { ErrorCode } from "./generated/error-codes.js";
import { SignedOutError } from "./session.js";

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

function isErrorCode(code: string): code is ErrorCode {
  return KNOWN_CODES.has(code);
}

/** A failed operation: its top-level codes, in order (empty for a network failure). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly codes: readonly ErrorCode[];

  constructor(message: string, codes: readonly ErrorCode[]) {
    super(message);
    this.codes = codes;
  }
}

/** The `extensions.code` of each error of a GraphQL answer (`errors[]`), parsed or not.
 *  A code newer than this client's generated enum is left out (its message still says it). */
export function codesOf(errors: readonly { readonly extensions?: unknown }[]): ErrorCode[] {
  return errors.flatMap(({ extensions }) => {
    if (typeof extensions !== "object" || extensions === null || !("code" in extensions)) return [];
    const { code } = extensions;
    return typeof code === "string" && isErrorCode(code) ? [code] : [];
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
