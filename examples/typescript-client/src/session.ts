// The two tokens of one sign-in, and their refresh: ONE refresh in flight at a
// time, shared by every request that needs it. Refresh tokens are single-use:
// two refreshes racing with the same token count as reuse on the server
// (REFRESH_TOKEN_REUSED), which ends the whole sign-in, unless the second comes
// within the server's short reuse interval (JWT_REFRESH_TOKEN_REUSE_INTERVAL).

/** What tokenAuth, refreshToken and changePassword hand out. */
export interface TokenPair {
  readonly token: string;
  /** ISO 8601 (`DateTime`). */
  readonly tokenExpiresAt: string;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: string;
}

/** Trades a refresh token for a new pair; throws when the server refuses. */
export type Refresher = (refreshToken: string) => Promise<TokenPair>;

/** Thrown when a request needs tokens and the session has none (never signed in, or signed out). */
export class SignedOutError extends Error {
  override readonly name = "SignedOutError";
}

export interface SessionOptions {
  /** Refresh this long before the access token expires (capped at half its lifetime). */
  readonly refreshMarginMs: number;
  /** Called once when a refresh fails and the session signs out. */
  readonly onSignOut?: (reason: string) => void;
  readonly now?: () => number;
}

interface Held {
  readonly pair: TokenPair;
  /** When to refresh without waiting for TOKEN_EXPIRED (epoch ms). */
  readonly refreshAt: number;
}

export class Session {
  #held: Held | null = null;
  #refreshing: Promise<string> | null = null;
  #refreshes = 0;
  readonly #refresher: Refresher;
  readonly #options: SessionOptions;
  readonly #now: () => number;

  constructor(refresher: Refresher, options: SessionOptions) {
    this.#refresher = refresher;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** How many refreshes reached the server (each rotated the refresh token once). */
  get refreshes(): number {
    return this.#refreshes;
  }

  get signedIn(): boolean {
    return this.#held !== null;
  }

  /** The refresh token held now (for revokeToken at sign-out). */
  get refreshToken(): string {
    return this.#current().pair.refreshToken;
  }

  get accessTokenExpiresAt(): string {
    return this.#current().pair.tokenExpiresAt;
  }

  /** Keep a new pair (from tokenAuth, a refresh or changePassword): it replaces the old one. */
  store(pair: TokenPair): void {
    const received = this.#now();
    const expires = Date.parse(pair.tokenExpiresAt);
    const margin = Math.min(this.#options.refreshMarginMs, (expires - received) / 2);
    this.#held = { pair, refreshAt: expires - margin };
  }

  signOut(reason: string): void {
    if (this.#held === null) return;
    this.#held = null;
    this.#options.onSignOut?.(reason);
  }

  /** An access token to send: the current one, or a fresh one when it is about to expire. */
  accessToken(): Promise<string> {
    if (this.#refreshing) return this.#refreshing;
    const held = this.#current();
    if (this.#now() >= held.refreshAt) return this.#refresh();
    return Promise.resolve(held.pair.token);
  }

  /** Refresh now (shared with any refresh already in flight); the new access token. */
  refresh(): Promise<string> {
    this.#current();
    return this.#refresh();
  }

  /**
   * After the server answered TOKEN_EXPIRED to a request sent with `rejected`: a
   * fresh access token. Refreshes only when no other request has done so since.
   */
  accessTokenAfterExpiry(rejected: string): Promise<string> {
    if (this.#refreshing) return this.#refreshing;
    const held = this.#current();
    if (held.pair.token !== rejected) return Promise.resolve(held.pair.token);
    return this.#refresh();
  }

  #current(): Held {
    if (this.#held === null) throw new SignedOutError("not signed in");
    return this.#held;
  }

  #refresh(): Promise<string> {
    this.#refreshing ??= this.#rotate().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #rotate(): Promise<string> {
    const spent = this.#current().pair.refreshToken;
    this.#refreshes += 1;
    let pair: TokenPair;
    try {
      pair = await this.#refresher(spent);
    } catch (error) {
      // Refused (REFRESH_TOKEN_REUSED, TOKEN_EXPIRED, TOKEN_INVALID) or no answer:
      // the spent token may already be rotated, so a retry could only count as reuse.
      const reason = error instanceof Error ? error.message : String(error);
      this.signOut(`refresh failed: ${reason}`);
      throw new SignedOutError(`signed out: refresh failed: ${reason}`);
    }
    this.store(pair);
    return pair.token;
  }
}
