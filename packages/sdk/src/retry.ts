// When a failed request is tried again, and after how long (full-jitter exponential backoff).

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables them. */
  retries: number;
  /** The backoff ceiling of the first retry; it doubles with each retry. */
  baseDelayMs: number;
  /** No wait exceeds this, and a `Retry-After` asking for longer ends the retries. */
  maxDelayMs: number;
  /** Returns a number in [0, 1); replaced in tests. */
  random: () => number;
  /** Milliseconds since the epoch, to read `Retry-After` dates; replaced in tests. */
  now: () => number;
}

// Only methods whose repetition cannot do something twice. POSTs are never retried, not even the
// read-only ones (`values`, `references/check`): the server may have acted on a request whose answer was lost.
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE"]);
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * The wait before retry number `retry` (0 for the first), or undefined when the server asks for a
 * longer wait than `maxDelayMs`: then the error is surfaced instead of waiting past the bound.
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfter: string | null,
): number | undefined {
  const requested = parseRetryAfter(retryAfter, policy.now());
  if (requested !== undefined) return requested <= policy.maxDelayMs ? requested : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(policy.random() * ceiling);
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); in milliseconds. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // Every HTTP date format starts with the day's name; without that check Date.parse reads "-1" as a year.
  const date = /^[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The default sleep: resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
