// Follows the server's background re-encryption after `keys rotate-data`: a bar redrawn in place on a
// terminal, a plain line every few seconds otherwise (logs, CI), until no value is left under an old key.

import type { Coffer, KeysStatus } from "@coffer/sdk";
import type { Writer } from "../io.ts";

export interface ProgressTiming {
  /** Between two status requests, at least (four times as long as the last one took, if more). */
  pollMs: number;
  /** Without a terminal, at most one line per this many ms (the last state is always printed). */
  lineEveryMs: number;
  /** Give up when the server is not re-encrypting and nothing moved for this long. */
  stalledAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const DEFAULT_TIMING: ProgressTiming = {
  pollMs: 500,
  lineEveryMs: 2_000,
  stalledAfterMs: 10_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: Date.now,
};

const BAR_WIDTH = 30;

/** How far the rotated projects are: values under their active key version out of all their values. */
export function progressOf(
  status: KeysStatus,
  projects: ReadonlySet<string>,
): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const project of status.projects) {
    if (!projects.has(project.project)) continue;
    for (const version of project.versions) {
      total += version.values;
      if (version.active) done += version.values;
    }
  }
  return { done, total };
}

export function progressBar(done: number, total: number): string {
  const share = total === 0 ? 1 : done / total;
  const filled = Math.round(share * BAR_WIDTH);
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  return `Re-encrypting [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${percent}  ${done}/${total} values`;
}

/**
 * Polls `keys.status()` until the re-encryption is over (nothing left, the job no longer running) and
 * resolves to the rotated projects' value count; rejects if it stopped with values left.
 */
export async function followReencryption(
  coffer: Coffer,
  projects: readonly string[],
  out: Writer,
  timing: ProgressTiming = DEFAULT_TIMING,
): Promise<number> {
  const rotated = new Set(projects);
  let lastLineAt = Number.NEGATIVE_INFINITY;
  let lastRemaining = -1;
  let lastMoveAt = timing.now();
  for (;;) {
    const asked = timing.now();
    const status = await coffer.keys.status();
    // The status counts every stored value: on a large store, ask less often rather than keep the server busy.
    const pause = Math.max(timing.pollMs, 4 * (timing.now() - asked));
    const { done, total } = progressOf(status, rotated);
    const { running, remaining } = status.rotation;
    const finished = remaining === 0 && !running;
    if (out.isTTY) {
      out.write(`\r${progressBar(done, total)}\x1b[K${finished ? "\n" : ""}`);
    } else if (finished || timing.now() - lastLineAt >= timing.lineEveryMs) {
      out.write(`${progressBar(done, total)}\n`);
      lastLineAt = timing.now();
    }
    if (finished) return total;
    if (remaining !== lastRemaining) {
      lastRemaining = remaining;
      lastMoveAt = timing.now();
    } else if (!running && timing.now() - lastMoveAt >= timing.stalledAfterMs) {
      if (out.isTTY) out.write("\n");
      throw new Error(
        `The server stopped re-encrypting with ${remaining} value${remaining === 1 ? "" : "s"} left under an old key ` +
          "(see its log). Reads still work; it resumes when the server restarts: follow it with `coffer keys status`.",
      );
    }
    await timing.sleep(pause);
  }
}
