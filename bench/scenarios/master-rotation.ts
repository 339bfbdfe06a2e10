// Scenario `master-rotation` (issue 6): `coffer keys rotate-master` on a store of 1,000 projects × 1,000 secrets. It
// re-wraps the 1,000 data keys in one transaction and never touches a secret: well under a second is the goal.
// `master-rotation-pg` does the same on PostgreSQL (only when named).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type BenchDatabase,
  databaseEnv,
  devMasterKey,
  dropDatabase,
  openBenchSeeder,
  postgresDatabase,
  SQLITE,
} from "../lib/databases.ts";
import { type BenchRow, figureRow } from "../lib/rows.ts";
import type { BenchContext, Scenario } from "../lib/scenario.ts";

const PROJECTS = 1_000;
const SECRETS_PER_PROJECT = 1_000;
const CREATE_CONCURRENCY = 8;
const COFFER_BIN = join(import.meta.dirname, "..", "..", "packages", "cli", "bin", "coffer.js");

export const masterRotationScenario: Scenario = {
  name: "master-rotation",
  description: "coffer keys rotate-master with 1,000 projects × 1,000 secrets (embedded SQLite)",
  run: (context) => measureMasterRotation(context, SQLITE),
};

export const masterRotationPgScenario: Scenario = {
  name: "master-rotation-pg",
  description: "the same on PostgreSQL (COFFER_BENCH_PG_URL)",
  runsByDefault: false,
  async run(context) {
    const database = await postgresDatabase();
    if (database === undefined) throw new Error("PostgreSQL is not reachable: set COFFER_BENCH_PG_URL");
    return measureMasterRotation(context, database);
  },
};

async function measureMasterRotation(context: BenchContext, database: BenchDatabase): Promise<BenchRow[]> {
  const coffer = await context.startCoffer({ env: databaseEnv(database) });
  try {
    const started = performance.now();
    const slugs = Array.from({ length: PROJECTS }, (_, index) => `p${index}`);
    for (let start = 0; start < slugs.length; start += CREATE_CONCURRENCY) {
      await Promise.all(
        slugs.slice(start, start + CREATE_CONCURRENCY).map((slug) => coffer.createProject(slug)),
      );
    }
    context.log(`created ${PROJECTS} projects in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const seeding = performance.now();
    const seeder = await openBenchSeeder(coffer, database);
    try {
      // A hundred projects (100,000 secrets) per transaction.
      for (let start = 0; start < slugs.length; start += 100) {
        await seeder.seed(
          ...slugs.slice(start, start + 100).map((slug) => ({
            project: slug,
            environment: "production",
            count: SECRETS_PER_PROJECT,
            key: (index: number) => `SECRET_${index}`,
            value: (index: number) => `${slug}-${index}`.padEnd(32, "x"),
          })),
        );
      }
    } finally {
      await seeder.close();
    }
    context.log(
      `seeded ${PROJECTS * SECRETS_PER_PROJECT} secrets in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );

    const env = {
      PATH: process.env["PATH"] ?? "",
      ...databaseEnv(database),
      COFFER_DATA_DIR: coffer.dataDir,
      COFFER_MASTER_KEY: randomBytes(32).toString("base64"),
      COFFER_MASTER_KEY_PREVIOUS: devMasterKey(coffer),
    };
    const commandStarted = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, [COFFER_BIN, "keys", "rotate-master"], {
      env,
    });
    const wallClock = performance.now() - commandStarted;
    const match = /^Re-wrapped (\d+) data keys? under the new master key in ([\d.]+) ms/.exec(stdout);
    if (match === null) throw new Error(`unexpected output of coffer keys rotate-master: ${stdout}`);
    if (Number(match[1]) !== PROJECTS)
      throw new Error(`re-wrapped ${match[1]} data keys, expected ${PROJECTS}`);
    const where = database.kind === "sqlite" ? "" : " (pg)";
    return [
      figureRow(`rotation${where}, 1,000 projects × 1,000 secrets`, Number(match[2]), "ms", { atMost: 1000 }),
      figureRow(`coffer keys rotate-master${where}, wall clock`, wallClock, "ms"),
    ];
  } finally {
    await coffer.stop();
    await dropDatabase(database);
  }
}
