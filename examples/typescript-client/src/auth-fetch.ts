// The refresh sits in `fetch`, below the GraphQL client: it works the same for
// urql (its `fetch` option), Apollo's HttpLink (`fetch`) or plain fetch calls.
import { codesOf } from "./errors.js";
import type { Session } from "./session.js";

export interface AuthFetchStats {
  /** Answers that said TOKEN_EXPIRED (each was retried once with a fresh token). */
  tokenExpiredAnswers: number;
}

function withBearer(init: RequestInit | undefined, token: string): RequestInit {
  const headers = new Headers(init?.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return { ...init, headers };
}

async function answersTokenExpired(response: Response): Promise<boolean> {
  if (!(response.headers.get("Content-Type") ?? "").includes("json")) return false;
  const body: unknown = await response.json().catch(() => null);
  if (typeof body !== "object" || body === null || !("errors" in body)) return false;
  const { errors } = body;
  return Array.isArray(errors) && codesOf(errors).includes("TOKEN_EXPIRED");
}

/**
 * A fetch that sends the session's access token, refreshing it first when it is
 * about to expire, and retries once after a TOKEN_EXPIRED answer. Every request
 * that needs a refresh at the same moment waits on the same one (Session).
 * The request body must be replayable (a string, as urql and Apollo send).
 */
export function authenticatedFetch(
  session: Session,
  stats: AuthFetchStats = { tokenExpiredAnswers: 0 },
  base: typeof fetch = fetch,
): typeof fetch {
  return async (input, init) => {
    const token = await session.accessToken();
    const response = await base(input, withBearer(init, token));
    if (!(await answersTokenExpired(response.clone()))) return response;
    stats.tokenExpiredAnswers += 1;
    const fresh = await session.accessTokenAfterExpiry(token);
    return base(input, withBearer(init, fresh));
  };
}
