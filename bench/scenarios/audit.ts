// Scenario `audit` (issue 3): revealing a value with every reveal audited (group commit: the response waits until
// its event is durable) against the same server with auditing switched off (COFFER_BENCH_DISABLE_AUDIT, --dev only).
//
// On two shared cores consecutive runs differ by their place in the sequence (the first is often the slowest), so
// each configuration runs four times, each on a fresh server, in the order U A A U A U U A: both take the same
// places on average, and each is the mean of its four runs.
import { measureInTurns } from "../lib/balanced.ts";
import { comparisonRows } from "../lib/rows.ts";
import type { Scenario } from "../lib/scenario.ts";
import { measureSecretRead } from "./read.ts";

const UNAUDITED = { env: { COFFER_BENCH_DISABLE_AUDIT: "1" } };

export const auditScenario: Scenario = {
  name: "audit",
  description:
    "GET …/value with auditing (group commit) vs the same server with auditing off, runs in ABBA order",
  async run(context) {
    const {
      runs,
      first: unaudited,
      second: audited,
    } = await measureInTurns({ first: "unaudited", second: "audited" }, (which) =>
      measureSecretRead(context, which === "first" ? UNAUDITED : {}),
    );
    // Within 15 % of the unaudited figure is the goal.
    return [
      ...runs,
      unaudited,
      audited,
      ...comparisonRows(audited, unaudited, { throughput: { atLeast: 0.85 } }),
    ];
  },
};
