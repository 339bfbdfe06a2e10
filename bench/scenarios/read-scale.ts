// Scenarios `read-scale` and `read-scale-pg` (issue 6): revealing one secret's value with 1,000 secrets in the store,
// and with 1,000,000 (seeded by direct SQL with real ciphertexts). The lookup is by index, so the throughput should
// not notice the store's size: the figure is the ratio of the two.
import {
  type BenchDatabase,
  databaseEnv,
  dropDatabase,
  openBenchSeeder,
  postgresDatabase,
  SQLITE,
} from "../lib/databases.ts";
import type { LoadSummary } from "../lib/load.ts";
import { type BenchRow, comparisonRows, loadRow } from "../lib/rows.ts";
import type { BenchContext, Scenario } from "../lib/scenario.ts";

const SMALL = 1_000;
const LARGE = 1_000_000;
const PATH = "/v1/projects/bench/environments/development/secrets/BENCH_KEY/value";

export const readScaleScenario: Scenario = {
  name: "read-scale",
  description: "GET …/value with 1,000 and then 1,000,000 secrets in the store (embedded SQLite)",
  run: (context) => measureReadAtScale(context, SQLITE),
};

export const readScalePgScenario: Scenario = {
  name: "read-scale-pg",
  description:
    "the same on PostgreSQL (COFFER_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test)",
  async run(context) {
    const database = await postgresDatabase();
    if (database === undefined) throw new Error("PostgreSQL is not reachable: set COFFER_BENCH_PG_URL");
    return measureReadAtScale(context, database);
  },
};

async function measureReadAtScale(context: BenchContext, database: BenchDatabase): Promise<BenchRow[]> {
  const label = database.kind === "sqlite" ? "" : " pg";
  // Each size on a fresh server with the same warm-up, so that neither run inherits the other's warm caches.
  const small = loadRow(`1k secrets${label}`, await measureRead(context, database, SMALL));
  const large = loadRow(`1M secrets${label}`, await measureRead(context, database, LARGE));
  return [small, large, ...comparisonRows(large, small, { throughput: { atLeast: 0.9 } })];
}

/** A fresh server whose store holds `secrets` secrets (BENCH_KEY among them), loaded on BENCH_KEY's value. */
async function measureRead(
  context: BenchContext,
  database: BenchDatabase,
  secrets: number,
): Promise<LoadSummary> {
  const coffer = await context.startCoffer({ env: databaseEnv(database) });
  try {
    await coffer.createProject("bench");
    await coffer.createSecret("bench", "development", "BENCH_KEY", "v".repeat(32));
    const started = performance.now();
    const seeder = await openBenchSeeder(coffer, database);
    try {
      await seeder.seed({
        project: "bench",
        environment: "development",
        count: secrets - 1,
        key: (index) => `SEED_${index}`,
        value: (index) => String(index).padStart(32, "0"),
      });
    } finally {
      await seeder.close();
    }
    context.log(`seeded ${secrets - 1} secrets in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return await context.load({ url: coffer.url + PATH, headers: coffer.authHeaders });
  } finally {
    await coffer.stop();
    await dropDatabase(database);
  }
}
