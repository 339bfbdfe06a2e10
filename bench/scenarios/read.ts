// Scenario `read` (issue 2): revealing one secret's value, against a bare node:http server answering a body of the
// same size. The figure that matters is Coffer's share of the baseline's requests/s.
//
// On two shared cores the machine's speed drifts by tens of percent within minutes (the same baseline has measured
// 28,000 and 66,000 req/s within ten minutes), so one run of each says more about the moment than about Coffer.
// So each target runs four times in turns (lib/balanced.ts), and the ratio is that of the means.
import { randomBytes } from "node:crypto";
import { measureInTurns } from "../lib/balanced.ts";
import type { StartCofferOptions } from "../lib/coffer.ts";
import type { LoadSummary } from "../lib/load.ts";
import { comparisonRows } from "../lib/rows.ts";
import type { BenchContext, Scenario } from "../lib/scenario.ts";

export const readScenario: Scenario = {
  name: "read",
  description:
    "GET …/secrets/BENCH_KEY/value vs a bare node:http server with a constant JSON body, runs in ABBA order",
  async run(context) {
    const {
      runs,
      first: baseline,
      second: coffer,
    } = await measureInTurns({ first: "baseline", second: "coffer" }, (which) =>
      which === "first" ? measureBaseline(context) : measureSecretRead(context),
    );
    return [
      ...runs,
      baseline,
      coffer,
      ...comparisonRows(coffer, baseline, { throughput: { atLeast: 0.25 } }),
    ];
  },
};

export async function measureBaseline(context: BenchContext): Promise<LoadSummary> {
  const baseline = await context.startBaseline();
  try {
    return await context.load({ url: `${baseline.url}/` });
  } finally {
    // Stopped before the next server starts: only one server competes with the load generator for the CPUs.
    await baseline.stop();
  }
}

/**
 * Starts a fresh Coffer (with `options`, e.g. extra env), stores one 32-character secret and loads its
 * value endpoint. Other scenarios call this to compare configurations (audit on/off, store size, …).
 */
export async function measureSecretRead(
  context: BenchContext,
  options: StartCofferOptions = {},
): Promise<LoadSummary> {
  const coffer = await context.startCoffer(options);
  try {
    const value = randomBytes(24).toString("base64url");
    await coffer.createProject("bench");
    await coffer.createSecret("bench", "development", "BENCH_KEY", value);
    const path = "/v1/projects/bench/environments/development/secrets/BENCH_KEY/value";
    const revealed = await coffer.api<{ data?: { value?: string } }>("GET", path);
    if (revealed.data?.value !== value) throw new Error(`${path} did not return the value just stored`);
    return await context.load({ url: coffer.url + path, headers: coffer.authHeaders });
  } finally {
    await coffer.stop();
  }
}
