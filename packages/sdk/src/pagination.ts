// Walking a cursor-paginated listing page by page, and refusing a server that would loop forever.

import { CofferError } from "./errors.ts";

export interface CursorPage {
  nextCursor: string | null;
}

/** Page after page, following `nextCursor` to the last page; stops requesting when the caller stops. */
export async function* followCursor<Page extends CursorPage>(
  fetchPage: (cursor: string | undefined) => Promise<Page>,
): AsyncGenerator<Page, void, undefined> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield page;
    cursor = page.nextCursor ?? undefined;
    if (cursor !== undefined && seen.has(cursor)) {
      throw new CofferError({
        status: 0,
        code: "invalid_response",
        message: "Coffer returned a page cursor it had already returned; stopping the listing",
      });
    }
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
}
