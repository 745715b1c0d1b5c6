// Payload errors (`errors: [{field, code, messages}]` of a mutation): problems
// with the input; nothing was written. Switch on `code`, show `messages`.
import type { CreateOrganizationMutation, OrganizationErrorCode } from "./generated/graphql.js";

export type PayloadError = NonNullable<
  CreateOrganizationMutation["createOrganization"]
>["errors"][number];

/** What a form does with one payload error. */
export type Reaction =
  | { readonly kind: "fix-field"; readonly field: string | null; readonly text: string }
  | { readonly kind: "pick-another-slug"; readonly text: string }
  | { readonly kind: "reload"; readonly text: string }
  | { readonly kind: "verify-email"; readonly text: string };

export function reactionTo(error: PayloadError): Reaction {
  const text = error.messages.join(" ");
  const fixField: Reaction = { kind: "fix-field", field: error.field, text };
  // `code` is the schema's OrganizationErrorCode: a value the schema adds fails
  // `npm run typecheck` at the `never` below until this switch handles it.
  const code: OrganizationErrorCode = error.code;
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
    case "ALREADY_INVITED":
    case "LAST_OWNER":
    case "SOLE_OWNER":
    case "EMAIL_MISMATCH":
      return fixField;
    case "EMAIL_NOT_VERIFIED":
      // Signed up but not verified yet: offer resendVerificationEmail.
      return { kind: "verify-email", text };
    case "INVITATION_ACCEPTED":
    case "INVITATION_DECLINED":
    case "INVITATION_EXPIRED":
    case "INVITATION_REVOKED":
      // The invitation moved on meanwhile: show where it stands now.
      return { kind: "reload", text };
    default: {
      const unhandled: never = code;
      return { kind: "fix-field", field: error.field, text: `${String(unhandled)}: ${text}` };
    }
  }
}
