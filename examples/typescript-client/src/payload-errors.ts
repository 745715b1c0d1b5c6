// Payload errors (`errors: [{field, code, messages}]` of a mutation): problems
// with the input; nothing was written. Switch on `code`, show `messages`.
import type { CreateOrganizationMutation } from "./generated/graphql.js";

export type PayloadError = NonNullable<
  CreateOrganizationMutation["createOrganization"]
>["errors"][number];

// TARGET SCHEMA (`code: OrganizationErrorCode!`): delete ORGANIZATION_ERROR_CODES,
// the local type and asOrganizationErrorCode; import `type OrganizationErrorCode`
// from "./generated/graphql.js" and switch on `error.code` directly. A value the
// schema adds then fails `npm run typecheck` at the `never` below.
const ORGANIZATION_ERROR_CODES = [
  "BLANK",
  "NULL",
  "MAX_LENGTH",
  "INVALID",
  "UNIQUE",
  "NOT_FOUND",
  "ALREADY_MEMBER",
  "NOT_MEMBER",
  "LAST_OWNER",
] as const;
export type OrganizationErrorCode = (typeof ORGANIZATION_ERROR_CODES)[number];

function asOrganizationErrorCode(code: string): OrganizationErrorCode | null {
  return ORGANIZATION_ERROR_CODES.find((known) => known === code) ?? null;
}

/** What a form does with one payload error. */
export type Reaction =
  | { readonly kind: "fix-field"; readonly field: string | null; readonly text: string }
  | { readonly kind: "pick-another-slug"; readonly text: string }
  | { readonly kind: "reload"; readonly text: string };

export function reactionTo(error: PayloadError): Reaction {
  const text = error.messages.join(" ");
  const fixField: Reaction = { kind: "fix-field", field: error.field, text };
  const code = asOrganizationErrorCode(error.code);
  if (code === null) return fixField; // a code newer than this client: show the text
  switch (code) {
    case "BLANK":
    case "NULL":
    case "MAX_LENGTH":
    case "INVALID":
      return fixField;
    case "UNIQUE":
      // Slugs are unique across the service: let the server derive a free one.
      return error.field === "slug" ? { kind: "pick-another-slug", text } : fixField;
    case "NOT_FOUND":
    case "NOT_MEMBER":
      return { kind: "reload", text };
    case "ALREADY_MEMBER":
    case "LAST_OWNER":
      return fixField;
    default: {
      const unhandled: never = code;
      return { kind: "fix-field", field: error.field, text: `${String(unhandled)}: ${text}` };
    }
  }
}
