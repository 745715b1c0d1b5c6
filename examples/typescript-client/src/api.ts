// Two urql clients on one endpoint: an anonymous one for the token mutations
// (they never need, and are never broken by, an Authorization header) and one
// that sends the session's access token through authenticatedFetch.
import { Client, fetchExchange, type AnyVariables, type TypedDocumentNode } from "@urql/core";

import { authenticatedFetch, type AuthFetchStats } from "./auth-fetch.js";
import { ApiError, dataOf } from "./errors.js";
import {
  RefreshTokensDocument,
  SignInDocument,
  SignOutDocument,
  type SignInMutation,
} from "./generated/graphql.js";
import { Session, type SessionOptions, type TokenPair } from "./session.js";

export type SignedInUser = NonNullable<SignInMutation["tokenAuth"]>["user"];

function graphqlClient(url: string, fetchFunction: typeof fetch): Client {
  return new Client({
    url,
    exchanges: [fetchExchange],
    fetch: fetchFunction,
    // POST for everything: one code path, no query text in URLs or proxy logs.
    preferGetMethod: false,
    requestPolicy: "network-only",
  });
}

export class Api {
  readonly session: Session;
  readonly stats: AuthFetchStats = { tokenExpiredAnswers: 0 };
  readonly #anonymous: Client;
  readonly #client: Client;

  constructor(url: string, sessionOptions: SessionOptions) {
    this.#anonymous = graphqlClient(url, fetch);
    this.session = new Session((refreshToken) => this.#refresh(refreshToken), sessionOptions);
    this.#client = graphqlClient(url, authenticatedFetch(this.session, this.stats));
  }

  async signIn(username: string, password: string): Promise<SignedInUser> {
    const data = dataOf(
      await this.#anonymous.mutation(SignInDocument, { username, password }).toPromise(),
    );
    if (data.tokenAuth === null) throw new ApiError("tokenAuth answered null", []);
    // The typed claims: the token is for the user the answer names.
    if (data.tokenAuth.claims.userId !== data.tokenAuth.user.id) {
      throw new ApiError("the token's claims name another user", []);
    }
    this.session.store(bodyPair(data.tokenAuth));
    return data.tokenAuth.user;
  }

  /** Sign out: end this sign-in on the server (revokeToken), then forget the tokens. */
  async signOut(): Promise<void> {
    const refreshToken = this.session.refreshToken;
    this.session.signOut("signed out");
    dataOf(await this.#anonymous.mutation(SignOutDocument, { refreshToken }).toPromise());
  }

  /** A token mutation sent without the session (e.g. to show what another tab would do). */
  async refreshAnonymously(refreshToken: string): Promise<TokenPair> {
    return this.#refresh(refreshToken);
  }

  async query<Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<Data> {
    return dataOf(await this.#client.query(document, variables).toPromise());
  }

  async mutate<Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<Data> {
    return dataOf(await this.#client.mutation(document, variables).toPromise());
  }

  async #refresh(refreshToken: string): Promise<TokenPair> {
    const data = dataOf(
      await this.#anonymous.mutation(RefreshTokensDocument, { refreshToken }).toPromise(),
    );
    if (data.refreshToken === null) throw new ApiError("refreshToken answered null", []);
    return bodyPair(data.refreshToken);
  }
}

/** The pair of a body-mode answer. This client keeps the refresh token itself (Node has no
 *  cookie jar); `refreshToken` is null only when a browser app signs in with
 *  `refreshTokenInCookie: true` (docs/frontend.md). */
type BodyAnswer = Omit<TokenPair, "refreshToken"> & { readonly refreshToken: string | null };

function bodyPair(answer: BodyAnswer): TokenPair {
  const { refreshToken } = answer;
  if (refreshToken === null) throw new ApiError("no refresh token in the body (cookie mode?)", []);
  return { ...answer, refreshToken };
}
