// Failure limiting for sign-ins and token authentication: growing lock-outs per source and per account.
import { RateLimitedError } from "../errors.ts";

export type FailureLimiterOptions = {
  /** Failures allowed inside the window before the key is locked. */
  maxFailures: number;
  windowMs: number;
  /** The first lock's length; each further failure while counted doubles it, up to maxLockMs. */
  baseLockMs: number;
  maxLockMs: number;
  describe: string;
  now?: () => number;
};

type Entry = { failures: number; firstAt: number; lockedUntil: number };

const MAX_TRACKED = 100_000;

export function createFailureLimiter(options: FailureLimiterOptions) {
  const entries = new Map<string, Entry>();
  const now = options.now ?? Date.now;

  function live(key: string, at: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (at - entry.firstAt > options.windowMs && entry.lockedUntil <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  return {
    /** Throws a 429 error when any of the keys is locked. Call before checking the credential. */
    check(keys: readonly string[]): void {
      const at = now();
      let wait = 0;
      for (const key of keys) {
        const entry = live(key, at);
        if (entry !== undefined && entry.lockedUntil > at) wait = Math.max(wait, entry.lockedUntil - at);
      }
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new RateLimitedError(
          `Too many failed ${options.describe}; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
          seconds,
        );
      }
    },

    fail(keys: readonly string[]): void {
      const at = now();
      if (entries.size > MAX_TRACKED) entries.clear();
      for (const key of keys) {
        const entry = live(key, at) ?? { failures: 0, firstAt: at, lockedUntil: 0 };
        entry.failures += 1;
        if (entry.failures >= options.maxFailures) {
          const lock = options.baseLockMs * 2 ** (entry.failures - options.maxFailures);
          entry.lockedUntil = at + Math.min(lock, options.maxLockMs);
        }
        entries.set(key, entry);
      }
    },

    succeed(keys: readonly string[]): void {
      for (const key of keys) entries.delete(key);
    },
  };
}

export type FailureLimiter = ReturnType<typeof createFailureLimiter>;
