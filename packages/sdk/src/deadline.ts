// One AbortSignal for a call: the caller's signal and the client's timeout, combined.
// Written by hand because AbortSignal.any is missing from Node 18.

import { abortError, CofferError } from "./errors.ts";

export interface Deadline {
  readonly signal: AbortSignal;
  /** Why the signal fired, as the CofferError to throw; undefined while it has not. */
  abortError(cause?: unknown): CofferError | undefined;
  /** Stops the timer and unlinks the caller's signal; call it once the call has settled. */
  release(): void;
}

/** A timeout of 0 (or Infinity) means none. */
export function startDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener("abort", onCallerAbort, { once: true });

  const timer =
    timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs)
      : undefined;

  return {
    signal: controller.signal,
    abortError(cause) {
      if (timedOut) {
        return new CofferError({
          status: 0,
          code: "timeout",
          message: `Coffer did not answer within ${timeoutMs} ms`,
          cause,
        });
      }
      return controller.signal.aborted ? abortError(callerSignal?.reason ?? cause) : undefined;
    },
    release() {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}
