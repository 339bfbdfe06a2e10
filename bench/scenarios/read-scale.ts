// Scenarios `read-scale` and `read-scale-pg` (issue 6): revealing one secret's value with 1,000 secrets in the store,
// then with 1,000,000 (seeded by direct SQL with real ciphertexts), on the same server. The lookup is by index, so
// the throughput should not notice the store's size: the figure is the ratio of the two.
import {
  type BenchDatabase,
  databaseEnv,
  dropDatabase,
  openBenchSeeder,
  postgresDatabase,
  SQLITE,
} from "../lib/databases.ts";
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
  const coffer = await context.startCoffer({ env: databaseEnv(database) });
  try {
    await coffer.createProject("bench");
    await coffer.createSecret("bench", "development", "BENCH_KEY", "v".repeat(32));
    const seeder = await openBenchSeeder(coffer, database);
    const seed = async (from: number, to: number) => {
      const started = performance.now();
      await seeder.seed({
        project: "bench",
        environment: "development",
        count: to - from,
        key: (index) => `SEED_${from + index}`,
        value: (index) => String(from + index).padStart(32, "0"),
      });
      context.log(`seeded ${to - from} secrets in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    };
    try {
      await seed(1, SMALL);
      const small = loadRow(
        `1k secrets${label}`,
        await context.load({ url: coffer.url + PATH, headers: coffer.authHeaders }),
      );
      await seed(SMALL, LARGE);
      const large = loadRow(
        `1M secrets${label}`,
        await context.load({ url: coffer.url + PATH, headers: coffer.authHeaders }),
      );
      return [small, large, ...comparisonRows(large, small, { throughput: { atLeast: 0.9 } })];
    } finally {
      await seeder.close();
    }
  } finally {
    await coffer.stop();
    await dropDatabase(database);
  }
}
