// The runnable tour: sign in, page through every organization, react to payload
// errors by code, share one refresh between concurrent requests, and see a
// reused refresh token end the sign-in. Prints each step; exits 1 on any failure.
//
//   GRAPHQL_URL=http://127.0.0.1:8000/graphql/ GRAPHQL_USERNAME=demo \
//   GRAPHQL_PASSWORD=demo-password npm start
import { setTimeout as sleep } from "node:timers/promises";

import { Api } from "./api.js";
import { ApiError } from "./errors.js";
import {
  CreateOrganizationDocument,
  DeleteOrganizationDocument,
  MeDocument,
  OrganizationsPageDocument,
  type CreateOrganizationMutationVariables,
} from "./generated/graphql.js";
import { organizationPages, type OrganizationSummary } from "./paging.js";
import { reactionTo, type Reaction } from "./payload-errors.js";
import { SignedOutError } from "./session.js";

function setting(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") throw new Error(`set ${name}`);
  return value;
}

function numberSetting(name: string, fallback: number): number {
  const value = Number(setting(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
}

function log(step: string, line: string): void {
  console.log(`[${step}] ${line}`);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Awaits `promise` and returns the error it was expected to fail with. */
async function failure<T, E extends Error>(
  promise: Promise<T>,
  kind: new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error(`expected a ${kind.name}, but it succeeded`);
}

interface Settings {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly pageSize: number;
  readonly refreshMarginMs: number;
  /** A client clock running behind (negative) never refreshes early: TOKEN_EXPIRED does it. */
  readonly clockSkewMs: number;
  /** The server's JWT_REFRESH_TOKEN_REUSE_INTERVAL: a reuse within it gets the same pair. */
  readonly reuseIntervalMs: number;
}

function readSettings(): Settings {
  return {
    url: setting("GRAPHQL_URL"),
    username: setting("GRAPHQL_USERNAME"),
    password: setting("GRAPHQL_PASSWORD"),
    pageSize: numberSetting("PAGE_SIZE", 10),
    refreshMarginMs: numberSetting("REFRESH_MARGIN_SECONDS", 30) * 1000,
    clockSkewMs: numberSetting("CLIENT_CLOCK_SKEW_SECONDS", 0) * 1000,
    reuseIntervalMs: numberSetting("REUSE_INTERVAL_SECONDS", 5) * 1000,
  };
}

function newApi(settings: Settings): Api {
  return new Api(settings.url, {
    refreshMarginMs: settings.refreshMarginMs,
    now: () => Date.now() + settings.clockSkewMs,
    onSignOut: (reason) => log("session", `signed out: ${reason}`),
  });
}

async function signIn(api: Api, { username, password }: Settings): Promise<void> {
  const user = await api.signIn(username, password);
  const me = await api.query(MeDocument, {});
  check(me.me?.id === user.id, "me is not the user who signed in");
  log("sign-in", `signed in as ${user.username}; access token expires at ${api.session.accessTokenExpiresAt}`);
}

async function pageThroughOrganizations(api: Api, pageSize: number): Promise<void> {
  const seen = new Map<string, OrganizationSummary>();
  let pages = 0;
  let totalCount = 0;
  for await (const page of organizationPages(api, pageSize)) {
    pages += 1;
    totalCount = page.totalCount;
    for (const organization of page.organizations) {
      check(!seen.has(organization.id), `${organization.slug} came twice`);
      seen.set(organization.id, organization);
    }
    const names = page.organizations.map(({ name }) => name).join(", ");
    log("paging", `page ${pages}: ${page.organizations.length} organizations: ${names}`);
  }
  check(seen.size === totalCount, `paged ${seen.size} organizations, totalCount says ${totalCount}`);
  log("paging", `all ${seen.size} organizations in ${pages} pages of up to ${pageSize}, no duplicates`);
}

function describe(reaction: Reaction): string {
  switch (reaction.kind) {
    case "fix-field":
      return `fix-field ${reaction.field ?? "(input)"}: ${reaction.text}`;
    case "pick-another-slug":
    case "reload":
    case "verify-email":
      return `${reaction.kind}: ${reaction.text}`;
  }
}

async function create(api: Api, variables: CreateOrganizationMutationVariables) {
  const data = await api.mutate(CreateOrganizationDocument, variables);
  check(data.createOrganization !== null, "createOrganization answered null");
  return data.createOrganization;
}

async function reactToPayloadErrors(api: Api): Promise<void> {
  const blank = await create(api, { name: "" });
  const [blankError] = blank.errors;
  check(blankError !== undefined && blank.organization === null, "a blank name was accepted");
  const blankReaction = reactionTo(blankError);
  check(blankReaction.kind === "fix-field", `a blank name: ${describe(blankReaction)}`);
  log("payload-errors", `createOrganization(name: "") -> ${blankError.code}: ${describe(blankReaction)}`);

  const name = `Example client ${Date.now()}`;
  const first = await create(api, { name });
  check(first.organization !== null, `createOrganization failed: ${JSON.stringify(first.errors)}`);
  const taken = first.organization.slug;
  let second = await create(api, { name, slug: taken });
  for (const error of second.errors) {
    const reaction = reactionTo(error);
    log("payload-errors", `createOrganization(slug: "${taken}") -> ${error.code}: ${describe(reaction)}`);
    if (reaction.kind === "pick-another-slug") second = await create(api, { name });
  }
  check(second.organization !== null, "the retry without a slug failed");
  check(second.organization.slug !== taken, "two organizations got one slug");
  for (const { id, slug } of [first.organization, second.organization]) {
    const deleted = await api.mutate(DeleteOrganizationDocument, { id });
    check(deleted.deleteOrganization?.deletedId === id, `deleting ${slug} failed`);
  }
  log("payload-errors", `created ${taken} and ${second.organization.slug}, then deleted both`);
}

async function shareOneRefresh(api: Api): Promise<void> {
  const expiresAt = Date.parse(api.session.accessTokenExpiresAt);
  const waitMs = expiresAt - Date.now() + 1000;
  if (waitMs > 15_000) {
    log("refresh", `skipped: the access token lives ${Math.round(waitMs / 1000)} s more (a server with JWT_ACCESS_TOKEN_LIFETIME=3 JWT_LEEWAY=0 shows it)`);
    return;
  }
  await sleep(Math.max(waitMs, 0));
  const refreshesBefore = api.session.refreshes;
  const expiredBefore = api.stats.tokenExpiredAnswers;
  // Three different operations: urql would merge three identical ones into one request.
  const answers = await Promise.all(
    [1, 2, 3].map((first) => api.query(OrganizationsPageDocument, { first, after: null })),
  );
  const refreshes = api.session.refreshes - refreshesBefore;
  const expired = api.stats.tokenExpiredAnswers - expiredBefore;
  check(
    answers.every(({ organizations }, index) => organizations.edges.length === index + 1),
    "a request failed after the refresh",
  );
  check(refreshes === 1, `${refreshes} refreshes for 3 concurrent requests`);
  log("refresh", `access token expired; 3 concurrent requests answered; refreshes: ${refreshes}; TOKEN_EXPIRED answers retried: ${expired}`);
}

async function reuseEndsTheSignIn(api: Api, reuseIntervalMs: number): Promise<void> {
  // Another tab refreshes with the same refresh token first: ours is now spent. Within
  // the server's reuse interval a second use would get the same pair (two tabs racing);
  // after it, the second use is taken for theft.
  await api.refreshAnonymously(api.session.refreshToken);
  await sleep(reuseIntervalMs + 1000);
  const refused = await failure(api.session.refresh(), SignedOutError);
  check(refused.message.includes("REFRESH_TOKEN_REUSED"), refused.message);
  check(!api.session.signedIn, "still signed in after a refused refresh");
  const local = await failure(api.query(MeDocument, {}), SignedOutError);
  log("reuse", `refresh with a spent token -> REFRESH_TOKEN_REUSED; next request: ${local.name}`);
}

async function signOut(api: Api, settings: Settings): Promise<void> {
  await signIn(api, settings);
  const refreshToken = api.session.refreshToken;
  await api.signOut();
  const refused = await failure(api.refreshAnonymously(refreshToken), ApiError);
  check(refused.codes.includes("REFRESH_TOKEN_REUSED"), refused.message);
  log("sign-out", `revokeToken; the refresh token is refused now (${refused.codes.join(", ")})`);
}

async function main(): Promise<void> {
  const settings = readSettings();
  const api = newApi(settings);
  await signIn(api, settings);
  await pageThroughOrganizations(api, settings.pageSize);
  await reactToPayloadErrors(api);
  await shareOneRefresh(api);
  await reuseEndsTheSignIn(api, settings.reuseIntervalMs);
  await signOut(newApi(settings), settings);
  console.log("OK: every step passed");
}

main().catch((error: unknown) => {
  console.error(`FAILED: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exitCode = 1;
});
