// Scenario `data-rotation` (issue 6, only when named): `POST /v1/keys/rotate-data` on a store of 100,000 values
// seeded by SQL, timed until the key status shows none left under the old key version. Reported as values
// re-encrypted per second; the status is asked every 2 s only, since it counts every stored value.
import { databaseEnv, openBenchSeeder, SQLITE } from "../lib/databases.ts";
import { figureRow } from "../lib/rows.ts";
import type { Scenario } from "../lib/scenario.ts";

const VALUES = 100_000;
const TIMEOUT_MS = 10 * 60_000;

type Status = { rotation: { running: boolean; remaining: number } };

export const dataRotationScenario: Scenario = {
  name: "data-rotation",
  description: "coffer keys rotate-data on 100,000 values (embedded SQLite): values re-encrypted per second",
  runsByDefault: false,
  async run(context) {
    const coffer = await context.startCoffer({ env: databaseEnv(SQLITE) });
    try {
      await coffer.createProject("bench");
      const seeder = await openBenchSeeder(coffer, SQLITE);
      try {
        await seeder.seed({
          project: "bench",
          environment: "development",
          count: VALUES,
          key: (index) => `SEED_${index}`,
          value: (index) => String(index).padStart(32, "0"),
        });
      } finally {
        await seeder.close();
      }
      const started = performance.now();
      await coffer.api("POST", "/v1/keys/rotate-data", { project: "bench" });
      for (;;) {
        const { rotation } = await coffer.api<Status>("GET", "/v1/keys/status");
        if (rotation.remaining === 0 && !rotation.running) break;
        if (performance.now() - started > TIMEOUT_MS)
          throw new Error(`not finished: ${rotation.remaining} left`);
        context.log(`${rotation.remaining} values left`);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      const seconds = (performance.now() - started) / 1000;
      return [
        figureRow("re-encryption of 100,000 values", seconds, "s"),
        figureRow("values re-encrypted per second", VALUES / seconds, "/s"),
      ];
    } finally {
      await coffer.stop();
    }
  },
};
