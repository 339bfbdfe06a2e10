// Loads data for a page: runs the loader when its inputs change, cancels the stale request, and can reload.
import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";
import { isAborted } from "./api.ts";

export type Async<T> = {
  data: T | undefined;
  loading: boolean;
  error: unknown;
  reload(): void;
};

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Async<T> {
  const loadRef = useRef(load);
  loadRef.current = load;
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<{ data: T | undefined; loading: boolean; error: unknown }>({
    data: undefined,
    loading: true,
    error: undefined,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps, plus the reload trigger.
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    loadRef
      .current(controller.signal)
      .then((data) => setState({ data, loading: false, error: undefined }))
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAborted(error)) return;
        setState((previous) => ({ ...previous, loading: false, error }));
      });
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
