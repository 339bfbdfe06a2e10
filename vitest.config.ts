// Two runs of the server tests: on the embedded SQLite database, and on PostgreSQL (mandatory in CI).
import { spawnSync } from "node:child_process";
import { defineConfig } from "vitest/config";

const pgUrl = process.env["COFFER_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

function postgresReachable(): boolean {
  const probe = spawnSync("pg_isready", ["-d", pgUrl, "-t", "3"], { encoding: "utf8" });
  return probe.status === 0;
}

const withPostgres = postgresReachable();
if (!withPostgres) {
  if (process.env["CI"] === "true") {
    throw new Error(
      `PostgreSQL is required in CI but ${pgUrl} is not reachable (see .ci/run, which starts it)`,
    );
  }
  console.warn(`Skipping the PostgreSQL run of the server tests: ${pgUrl} is not reachable.`);
}

const shared = { pool: "forks" as const, testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          ...shared,
          name: "sqlite",
          include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "bench/**/*.test.ts"],
        },
      },
      ...(withPostgres
        ? [
            {
              test: {
                ...shared,
                name: "postgres",
                include: ["packages/server/test/**/*.test.ts"],
                env: { COFFER_TEST_DATABASE: "postgres", COFFER_TEST_PG_URL: pgUrl },
              },
            },
          ]
        : []),
    ],
  },
});
