// Scenario `audit` (issue 3): revealing a value with every reveal audited (group commit: the response waits until
// its event is durable) against the same server with auditing switched off (COFFER_BENCH_DISABLE_AUDIT, --dev only).
//
// On two shared cores consecutive runs differ by their place in the sequence (the first is often the slowest), so
// each configuration runs four times, each on a fresh server, in the order U A A U A U U A: both take the same
// places on average, and each is the mean of its four runs.
import type { LoadSummary } from "../lib/load.ts";
import { comparisonRows, loadRow } from "../lib/rows.ts";
import type { Scenario } from "../lib/scenario.ts";
import { measureSecretRead } from "./read.ts";

const UNAUDITED = { env: { COFFER_BENCH_DISABLE_AUDIT: "1" } };

/** Runs of one configuration as one: mean rate and percentiles, summed counts. */
function meanOf(runs: LoadSummary[]): LoadSummary {
  const mean = (pick: (run: LoadSummary) => number) =>
    runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  const sum = (pick: (run: LoadSummary) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return {
    ...(runs.at(-1) as LoadSummary),
    requestsPerSecond: mean((run) => run.requestsPerSecond),
    p50Ms: mean((run) => run.p50Ms),
    p99Ms: mean((run) => run.p99Ms),
    maxMs: Math.max(...runs.map((run) => run.maxMs)),
    responses: sum((run) => run.responses),
    errors: sum((run) => run.errors),
    non2xx: sum((run) => run.non2xx),
    durationSeconds: sum((run) => run.durationSeconds),
  };
}

/** U = unaudited, A = audited: balanced, so that neither gets the better places in the sequence. */
const ORDER = ["U", "A", "A", "U", "A", "U", "U", "A"] as const;

export const auditScenario: Scenario = {
  name: "audit",
  description:
    "GET …/value with auditing (group commit) vs the same server with auditing off, runs in ABBA order",
  async run(context) {
    const runs: Record<(typeof ORDER)[number], LoadSummary[]> = { U: [], A: [] };
    const rows = [];
    for (const [index, kind] of ORDER.entries()) {
      const run = await measureSecretRead(context, kind === "U" ? UNAUDITED : {});
      runs[kind].push(run);
      rows.push(loadRow(`${kind === "U" ? "unaudited" : "audited"}, run ${index + 1}`, run));
    }
    const unaudited = loadRow(`unaudited (mean of ${runs.U.length})`, meanOf(runs.U));
    const audited = loadRow(`audited (mean of ${runs.A.length})`, meanOf(runs.A));
    // Within 15 % of the unaudited figure is the goal.
    return [
      ...rows,
      unaudited,
      audited,
      ...comparisonRows(audited, unaudited, { throughput: { atLeast: 0.85 } }),
    ];
  },
};
