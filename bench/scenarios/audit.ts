// Scenario `audit` (issue 3): revealing a value with every reveal audited (group commit: the response waits until
// its event is durable) against the same server with auditing switched off (COFFER_BENCH_DISABLE_AUDIT, --dev only).
import { comparisonRows, loadRow } from "../lib/rows.ts";
import type { Scenario } from "../lib/scenario.ts";
import { measureSecretRead } from "./read.ts";

export const auditScenario: Scenario = {
  name: "audit",
  description: "GET …/value with auditing (group commit) vs the same server with auditing off",
  async run(context) {
    const unaudited = loadRow(
      "unaudited",
      await measureSecretRead(context, { env: { COFFER_BENCH_DISABLE_AUDIT: "1" } }),
    );
    const audited = loadRow("audited", await measureSecretRead(context));
    // Within 15 % of the unaudited figure is the goal.
    return [unaudited, audited, ...comparisonRows(audited, unaudited, { throughput: { atLeast: 0.85 } })];
  },
};
