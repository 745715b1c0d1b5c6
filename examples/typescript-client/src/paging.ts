// Cursor paging: `first` + `after` = the previous page's `pageInfo.endCursor`,
// until `hasNextPage` is false.
import type { Api } from "./api.js";
import { OrganizationsPageDocument, type OrganizationsPageQuery } from "./generated/graphql.js";

// TARGET SCHEMA: with `organizations: OrganizationConnection!`, `edges: [OrganizationEdge!]!`
// and `node: Organization!`, the three NonNullable<> below become plain indexed types.
type Connection = NonNullable<OrganizationsPageQuery["organizations"]>;
type Edge = NonNullable<Connection["edges"][number]>;
export type OrganizationSummary = NonNullable<Edge["node"]>;

export interface OrganizationPage {
  readonly organizations: readonly OrganizationSummary[];
  readonly totalCount: number;
}

function present<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`the server sent a null ${what}`);
  return value;
}

/** Every organization I may see, one page at a time, in the server's default order. */
export async function* organizationPages(
  api: Api,
  pageSize: number,
): AsyncGenerator<OrganizationPage, void, undefined> {
  let after: string | null = null;
  for (;;) {
    const data: OrganizationsPageQuery = await api.query(OrganizationsPageDocument, {
      first: pageSize,
      after,
    });
    // TARGET SCHEMA: `data.organizations` directly, and `edges.map((edge) => edge.node)`.
    const connection = present(data.organizations, "organizations connection");
    const organizations = connection.edges.map((edge) => present(present(edge, "edge").node, "node"));
    yield { organizations, totalCount: connection.totalCount };
    if (!connection.pageInfo.hasNextPage) return;
    after = present(connection.pageInfo.endCursor, "endCursor on a page with a next page");
  }
}
