// Scenario `resolve` (issue 5): `POST …/resolve` of a JSON template holding 1,000 references to 1,000
// different secrets — parse, one query for all of them, 1,000 decryptions, and one audit event per secret —
// with the audit log on (as deployed) and off (to show what the 1,000 events cost).
import type { CofferInstance, StartCofferOptions } from "../lib/coffer.ts";
import type { LoadSummary } from "../lib/load.ts";
import { figureRow, loadRow } from "../lib/rows.ts";
import type { BenchContext, Scenario } from "../lib/scenario.ts";

const REFERENCES = 1000;
/** Parallel requests while creating the secrets: set-up only, not measured. */
const SETUP_CONCURRENCY = 16;
/**
 * Concurrent resolutions: each one is ~1,000 times the work of a read, so 50 in flight only measure a queue
 * (and approach the load generator's 10 s request timeout); a handful keeps both cores busy.
 */
const CONNECTIONS = 4;

async function createSecrets(coffer: CofferInstance): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < REFERENCES) {
      const index = next++;
      await coffer.createSecret("bench", "development", `KEY_${index}`, `value-${index}-${"x".repeat(24)}`);
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
}

function template(): Record<string, string> {
  const document: Record<string, string> = {};
  for (let index = 0; index < REFERENCES; index++) {
    document[`header_${index}`] =
      index % 2 === 0 ? `Bearer $SECRET/KEY_${index}` : `{{ secrets.KEY_${index} }}`;
  }
  return document;
}

async function measureResolve(context: BenchContext, options: StartCofferOptions): Promise<LoadSummary> {
  const coffer = await context.startCoffer(options);
  try {
    await coffer.createProject("bench");
    await createSecrets(coffer);
    const path = "/v1/projects/bench/environments/development/resolve";
    const body = JSON.stringify({ template: template() });
    const check = await coffer.api<{ resolved: Record<string, string> }>("POST", path, JSON.parse(body));
    if (check.resolved["header_999"] !== `value-999-${"x".repeat(24)}`)
      throw new Error("resolve gave a wrong value");
    return await context.load({
      url: coffer.url + path,
      method: "POST",
      headers: { ...coffer.authHeaders, "content-type": "application/json" },
      body,
      connections: CONNECTIONS,
    });
  } finally {
    await coffer.stop();
  }
}

export const resolveScenario: Scenario = {
  name: "resolve",
  description: `POST …/resolve of a JSON template with ${REFERENCES.toLocaleString("en")} references, ${CONNECTIONS} connections (audit on and off)`,
  async run(context) {
    const audited = loadRow(`coffer, ${CONNECTIONS} connections`, await measureResolve(context, {}));
    const unaudited = loadRow(
      `coffer (audit off), ${CONNECTIONS} connections`,
      await measureResolve(context, { env: { COFFER_BENCH_DISABLE_AUDIT: "1" } }),
    );
    return [
      audited,
      unaudited,
      figureRow("references resolved/s", audited.load.requestsPerSecond * REFERENCES, "/s"),
      figureRow("references resolved/s, audit off", unaudited.load.requestsPerSecond * REFERENCES, "/s"),
    ];
  },
};
