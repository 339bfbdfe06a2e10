// Server-side pages over a cursor API: one page in memory, Next follows `nextCursor`, Previous goes back.
import { useCallback, useEffect, useRef, useState } from "react";
import { isAborted } from "./api.ts";

export type Page<T> = { items: T[]; nextCursor: string | null };

export type CursorPages<T> = {
  items: T[];
  loading: boolean;
  error: unknown;
  /** From 0. */
  pageIndex: number;
  hasNext: boolean;
  next(): void;
  previous(): void;
  /** Fetches the current page again (after a change); an emptied page falls back to the one before. */
  reload(): void;
};

/**
 * `resetKey` names the query (search text, page size…): when it changes, paging restarts at the first
 * page. Only the page on screen is held, so a 10,000-secret environment costs one page of memory.
 */
export function useCursorPages<T>(
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  resetKey: string,
): CursorPages<T> {
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  // cursors[i] opens page i; the first page has none.
  const [position, setPosition] = useState<{ key: string; cursors: (string | undefined)[]; index: number }>({
    key: resetKey,
    cursors: [undefined],
    index: 0,
  });
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<{ page: Page<T> | undefined; loading: boolean; error: unknown }>({
    page: undefined,
    loading: true,
    error: undefined,
  });

  const current = position.key === resetKey ? position : { key: resetKey, cursors: [undefined], index: 0 };
  if (current !== position) setPosition(current);
  const cursor = current.cursors[current.index];

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is the reload trigger.
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    fetchRef
      .current(cursor, controller.signal)
      .then((page) => {
        if (page.items.length === 0 && current.index > 0) {
          setPosition((p) => ({ ...p, index: p.index - 1 }));
          return;
        }
        setState({ page, loading: false, error: undefined });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAborted(error)) return;
        setState((previous) => ({ ...previous, loading: false, error }));
      });
    return () => controller.abort();
  }, [resetKey, cursor, current.index, generation]);

  const nextCursor = state.page?.nextCursor ?? null;
  const next = useCallback(() => {
    if (nextCursor === null) return;
    setPosition((p) => ({
      ...p,
      cursors: [...p.cursors.slice(0, p.index + 1), nextCursor],
      index: p.index + 1,
    }));
  }, [nextCursor]);
  const previous = useCallback(() => setPosition((p) => ({ ...p, index: Math.max(0, p.index - 1) })), []);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  return {
    items: state.page?.items ?? [],
    loading: state.loading,
    error: state.error,
    pageIndex: current.index,
    hasNext: !state.loading && nextCursor !== null,
    next,
    previous,
    reload,
  };
}
