/** What is wrong with the input of an account mutation (changePassword, register, verifyEmail, resendVerificationEmail, requestPasswordReset, resetPassword). */
export const AccountErrorCode = {
  /** The value is empty and must not be (a username). */
  Blank: 'BLANK',
  /** Any problem without a more precise code. */
  Invalid: 'INVALID',
  /** A password (or username) longer than any the server accepts. */
  MaxLength: 'MAX_LENGTH',
  /** The new password has only digits. */
  PasswordEntirelyNumeric: 'PASSWORD_ENTIRELY_NUMERIC',
  /** The old password is wrong. */
  PasswordIncorrect: 'PASSWORD_INCORRECT',
  /** The new password is on the list of common passwords. */
  PasswordTooCommon: 'PASSWORD_TOO_COMMON',
  /** The new password is shorter than the minimum length. */
  PasswordTooShort: 'PASSWORD_TOO_SHORT',
  /** The new password is too close to the username, name or e-mail address. */
  PasswordTooSimilar: 'PASSWORD_TOO_SIMILAR',
  /** Sign-up is switched off on this server (SIGN_UP_ENABLED). */
  SignUpDisabled: 'SIGN_UP_DISABLED',
  /** The link's token is older than its lifetime (EMAIL_VERIFICATION_TIMEOUT, PASSWORD_RESET_TIMEOUT): ask for a new link. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The link's token is malformed, forged, or used already (or the password or e-mail address changed since it was sent): ask for a new link. */
  TokenInvalid: 'TOKEN_INVALID',
  /** The username belongs to another account (compared without regard to case). */
  UsernameTaken: 'USERNAME_TAKEN'
} as const;

export type AccountErrorCode = typeof AccountErrorCode[keyof typeof AccountErrorCode];
/** What an audit event records. */
export const AuditAction = {
  /** Staff added an object in the admin site. */
  AdminAdded: 'ADMIN_ADDED',
  /** Staff changed an object in the admin site. */
  AdminChanged: 'ADMIN_CHANGED',
  /** Staff deleted an object in the admin site. */
  AdminDeleted: 'ADMIN_DELETED',
  /** Signed out everywhere (revokeAllTokens). */
  AllTokensRevoked: 'ALL_TOKENS_REVOKED',
  /** An invitation was accepted. */
  InvitationAccepted: 'INVITATION_ACCEPTED',
  /** An invitation was sent. */
  InvitationCreated: 'INVITATION_CREATED',
  /** An invitation was declined. */
  InvitationDeclined: 'INVITATION_DECLINED',
  /** An invitation was sent again. */
  InvitationResent: 'INVITATION_RESENT',
  /** An invitation was withdrawn. */
  InvitationRevoked: 'INVITATION_REVOKED',
  /** A member was added (by staff). */
  MemberAdded: 'MEMBER_ADDED',
  /** A member left. */
  MemberLeft: 'MEMBER_LEFT',
  /** A member was removed. */
  MemberRemoved: 'MEMBER_REMOVED',
  /** A member's role changed. */
  MemberRoleChanged: 'MEMBER_ROLE_CHANGED',
  /** An organization was created. */
  OrganizationCreated: 'ORGANIZATION_CREATED',
  /** An organization was deleted. */
  OrganizationDeleted: 'ORGANIZATION_DELETED',
  /** An organization's fields changed. */
  OrganizationUpdated: 'ORGANIZATION_UPDATED',
  /** Ownership passed to another member. */
  OwnershipTransferred: 'OWNERSHIP_TRANSFERRED',
  /** The password was changed. */
  PasswordChanged: 'PASSWORD_CHANGED',
  /** The password was reset through an e-mailed link. */
  PasswordReset: 'PASSWORD_RESET',
  /** A used refresh token came again: session ended. */
  RefreshTokenReused: 'REFRESH_TOKEN_REUSED',
  /** One session ended (revokeSession). */
  SessionRevoked: 'SESSION_REVOKED',
  /** A sign-in with a wrong username or password. */
  SignInFailed: 'SIGN_IN_FAILED',
  /** Signed in with a password. */
  SignInSucceeded: 'SIGN_IN_SUCCEEDED',
  /** Sign-ins refused: too many attempts. */
  SignInThrottled: 'SIGN_IN_THROTTLED',
  /** Signed out of one session (revokeToken). */
  TokenRevoked: 'TOKEN_REVOKED'
} as const;

export type AuditAction = typeof AuditAction[keyof typeof AuditAction];
/** The code of every top-level error, in `errors[].extensions.code` (not a field of any type: listed here so the docs show every value). Switch on it, never on the message. */
export const ErrorCode = {
  /** The HTTP request itself is malformed (bad JSON, a JSON member or URL parameter named twice, no query, wrong method or media type, ...). */
  BadRequest: 'BAD_REQUEST',
  /** An argument or variable has an invalid value; the message says what is valid. */
  BadUserInput: 'BAD_USER_INPUT',
  /** A JSON array of operations, and batching is off or the array is longer than GRAPHQL_MAX_BATCH_SIZE. */
  BatchTooLarge: 'BATCH_TOO_LARGE',
  /** The operation's query cost is above GRAPHQL_MAX_QUERY_COST; `extensions.cost` is {requested, maximum}. Nothing ran. */
  CostLimitExceeded: 'COST_LIMIT_EXCEEDED',
  /** refreshToken or revokeToken read the refresh cookie, and the X-CSRF-Token header is missing or is not the `csrfToken` of that sign-in. */
  CsrfTokenInvalid: 'CSRF_TOKEN_INVALID',
  /** The document is too costly to parse or validate: more tokens or comments than the parser's budgets, more field selections (fragments counted at every spread), fields sharing one response name, or fragment spreads in one selection set than their limits. */
  DocumentTooComplex: 'DOCUMENT_TOO_COMPLEX',
  /** The query text is longer than GRAPHQL_MAX_DOCUMENT_SIZE. */
  DocumentTooLarge: 'DOCUMENT_TOO_LARGE',
  /** The DPoP proof is signed by another key than the one the token or sign-in is bound to. */
  DpopKeyMismatch: 'DPOP_KEY_MISMATCH',
  /** The `DPoP` proof header is malformed, not `typ: dpop+jwt`, of an algorithm not allowed, carries a private or unusable `jwk`, has a bad signature, an `iat` outside the accepted window, or an `ath` that is not the hash of the access token sent. */
  DpopProofInvalid: 'DPOP_PROOF_INVALID',
  /** This DPoP proof (its `jti`) was already used: make a new proof for every request. */
  DpopProofReplayed: 'DPOP_PROOF_REPLAYED',
  /** The token (or the refresh token's sign-in) is bound to a DPoP key: send `Authorization: DPoP <token>` with a `DPoP` proof header (refreshToken: the proof header). Also the answer to a DPoP-bound token sent as Bearer. */
  DpopProofRequired: 'DPOP_PROOF_REQUIRED',
  /** The DPoP proof was made for another HTTP method (`htm`) or URL (`htu`). */
  DpopProofTargetMismatch: 'DPOP_PROOF_TARGET_MISMATCH',
  /** Signed in, but not allowed to do this. */
  Forbidden: 'FORBIDDEN',
  /** The document is not valid GraphQL syntax. */
  GraphqlParseFailed: 'GRAPHQL_PARSE_FAILED',
  /** The document does not match the schema. */
  GraphqlValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  /** An unexpected failure; logged with its traceback. */
  InternalServerError: 'INTERNAL_SERVER_ERROR',
  /** The document asks for `__schema` or `__type` and introspection is off (GRAPHQL_INTROSPECTION_ENABLED). */
  IntrospectionDisabled: 'INTROSPECTION_DISABLED',
  /** tokenAuth got a wrong username or password. */
  InvalidCredentials: 'INVALID_CREDENTIALS',
  /** No such object, or one the caller may not see (the same answer for both). */
  NotFound: 'NOT_FOUND',
  /** Cookie mode (refreshTokenInCookie, or refreshToken/revokeToken with no argument) from a request whose Origin is neither an allowed origin nor the API's own. */
  OriginNotAllowed: 'ORIGIN_NOT_ALLOWED',
  /** `first` or `last` is above the maximum page size. */
  PageSizeTooLarge: 'PAGE_SIZE_TOO_LARGE',
  /** The allow-list mode is on and the document is not on the list (GRAPHQL_PERSISTED_QUERIES_ONLY). */
  PersistedQueryNotAllowed: 'PERSISTED_QUERY_NOT_ALLOWED',
  /** A hash-only request (automatic persisted queries) whose document this server does not know; send it again with `query`. */
  PersistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
  /** The `persistedQuery` extension is malformed, or its hash does not match the `query` sent with it. */
  PersistedQueryNotSupported: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** Fields nest deeper than GRAPHQL_MAX_DEPTH. */
  QueryTooDeep: 'QUERY_TOO_DEEP',
  /** Too many password attempts for the username or from the client's address, too many sign-ups or e-mail requests (MAIL_REQUESTS_*, SIGN_UPS_PER_IP), or the caller's query cost budget is spent (GRAPHQL_COST_BUDGET_*; refused before it runs, HTTP 429); `extensions.retryAfter` says how many seconds to wait. */
  RateLimited: 'RATE_LIMITED',
  /** A rotated or revoked refresh token came back; its whole sign-in chain has been ended. */
  RefreshTokenReused: 'REFRESH_TOKEN_REUSED',
  /** A query's answer passed GRAPHQL_MAX_RESPONSE_BYTES while it ran; execution stopped and no data is returned. */
  ResponseTooLarge: 'RESPONSE_TOO_LARGE',
  /** The database could not be reached or did not answer in time; nothing was written; retry shortly. */
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  /** The access (or refresh) token has expired; refresh (or sign in). */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The token is malformed, forged, revoked, or its user is inactive. */
  TokenInvalid: 'TOKEN_INVALID',
  /** More aliases than GRAPHQL_MAX_ALIASES, fragments included. */
  TooManyAliases: 'TOO_MANY_ALIASES',
  /** More mutations in one operation than GRAPHQL_MAX_MUTATIONS. */
  TooManyMutations: 'TOO_MANY_MUTATIONS',
  /** More root fields than GRAPHQL_MAX_ROOT_FIELDS. */
  TooManyRootFields: 'TOO_MANY_ROOT_FIELDS',
  /** The field needs a signed-in user and no token came. */
  Unauthenticated: 'UNAUTHENTICATED'
} as const;

export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];
/** Where an invitation stands. */
export const InvitationStatus = {
  /** Accepted: the invitee is a member. */
  Accepted: 'ACCEPTED',
  /** Declined by the invitee. */
  Declined: 'DECLINED',
  /** Not answered in time; an ADMIN or OWNER can resend it. */
  Expired: 'EXPIRED',
  /** Sent and not answered; it can still be accepted. */
  Pending: 'PENDING',
  /** Withdrawn by an ADMIN or OWNER; its link is dead. */
  Revoked: 'REVOKED'
} as const;

export type InvitationStatus = typeof InvitationStatus[keyof typeof InvitationStatus];
/** Which way a sort key sorts. */
export const OrderDirection = {
  /** Ascending: A to Z, oldest first. */
  Asc: 'ASC',
  /** Descending: Z to A, newest first. */
  Desc: 'DESC'
} as const;

export type OrderDirection = typeof OrderDirection[keyof typeof OrderDirection];
/** What is wrong with the input of an organization or membership mutation. */
export const OrganizationErrorCode = {
  /** The address has a pending invitation to this organization: resend or revoke it. */
  AlreadyInvited: 'ALREADY_INVITED',
  /** The user is already a member of the organization (inviteMember: a member has this verified e-mail address; acceptInvitation: you are one). */
  AlreadyMember: 'ALREADY_MEMBER',
  /** The value is empty and must not be (the name; a slug given as empty text). */
  Blank: 'BLANK',
  /** The invitation is for another e-mail address than your verified one: sign in with the invited account, or ask for an invitation to your address. */
  EmailMismatch: 'EMAIL_MISMATCH',
  /** Your e-mail address is not verified: verify it (verifyEmail) before creating an organization or accepting or declining an invitation. */
  EmailNotVerified: 'EMAIL_NOT_VERIFIED',
  /** The value is malformed: a slug with characters other than letters, digits, `-` and `_`; an e-mail address or URL that is not one; an unknown role; a null isActive. Also any problem without a more precise code. */
  Invalid: 'INVALID',
  /** The invitation was accepted already. */
  InvitationAccepted: 'INVITATION_ACCEPTED',
  /** The invitation was declined already. */
  InvitationDeclined: 'INVITATION_DECLINED',
  /** The invitation has expired (INVITATION_EXPIRY_SECONDS after it was last sent); an ADMIN can resend it. */
  InvitationExpired: 'INVITATION_EXPIRED',
  /** The invitation was revoked; its link is dead. */
  InvitationRevoked: 'INVITATION_REVOKED',
  /** The change would leave the organization without an OWNER. */
  LastOwner: 'LAST_OWNER',
  /** The text is longer than the field allows (see the argument's description). */
  MaxLength: 'MAX_LENGTH',
  /** No active user has this username (addMember, which only staff may use). */
  NotFound: 'NOT_FOUND',
  /** The user (or you, leaving) is not a member of the organization. */
  NotMember: 'NOT_MEMBER',
  /** The value is null and this field cannot be cleared (name, slug). */
  Null: 'NULL',
  /** The user is the only OWNER of an organization: transfer its ownership first (deleting or deactivating an account). */
  SoleOwner: 'SOLE_OWNER',
  /** The slug is taken by another organization (even one you cannot see). */
  Unique: 'UNIQUE'
} as const;

export type OrganizationErrorCode = typeof OrganizationErrorCode[keyof typeof OrganizationErrorCode];
/** A key `organizations` can be sorted by. */
export const OrganizationOrderField = {
  /** When it was created. */
  CreatedAt: 'CREATED_AT',
  /** The name, case-insensitively ('alpha' before 'Bravo'). */
  Name: 'NAME',
  /** When it last changed. */
  UpdatedAt: 'UPDATED_AT'
} as const;

export type OrganizationOrderField = typeof OrganizationOrderField[keyof typeof OrganizationOrderField];
/** A member's role: OWNER > ADMIN > MEMBER. */
export const Role = {
  Admin: 'ADMIN',
  Member: 'MEMBER',
  Owner: 'OWNER'
} as const;

export type Role = typeof Role[keyof typeof Role];