// Cursor paging: `first` + `after` = the previous page's `pageInfo.endCursor`,
// until `hasNextPage` is false. Cursors are keyset cursors: they hold the sort
// key, so a page never repeats or skips an organization when others are added
// or removed in between; a cursor only works with the `orderBy` that made it.
import type { Api } from "./api.js";
import {
  OrganizationsPageDocument,
  type OrganizationOrder,
  type OrganizationsPageQuery,
} from "./generated/graphql.js";

// The connection, its edges and nodes are non-null in the schema: no checks needed.
export type OrganizationSummary = OrganizationsPageQuery["organizations"]["edges"][number]["node"];

export interface OrganizationPage {
  readonly organizations: readonly OrganizationSummary[];
  readonly totalCount: number;
}

/** By name, as people read a list ("alpha" before "Bravo"); the server breaks ties by id. */
export const BY_NAME: readonly OrganizationOrder[] = [{ field: "NAME", direction: "ASC" }];

/** Every organization I may see, one page at a time, in `orderBy` order. */
export async function* organizationPages(
  api: Api,
  pageSize: number,
  orderBy: readonly OrganizationOrder[] = BY_NAME,
): AsyncGenerator<OrganizationPage, void, undefined> {
  let after: string | null = null;
  for (;;) {
    const data: OrganizationsPageQuery = await api.query(OrganizationsPageDocument, {
      first: pageSize,
      after,
      orderBy: [...orderBy],
    });
    const connection = data.organizations;
    yield {
      organizations: connection.edges.map((edge) => edge.node),
      totalCount: connection.totalCount,
    };
    const next = connection.pageInfo.endCursor;
    if (!connection.pageInfo.hasNextPage || next === null) return;
    after = next;
  }
}
