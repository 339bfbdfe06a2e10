// SIGKILL a real `coffer serve` at a random moment of 1,000 concurrent writes, restart it, and repeat ten times on the
// same data: every acknowledged write is there with its value and version, every unacknowledged one is whole or
// absent, no change lacks its audit event, the file passes `PRAGMA integrity_check`, and `coffer audit verify` passes.
import { randomInt } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { generateMasterKey } from "@coffer/server";
import { afterAll, describe, expect, it } from "vitest";
import { databaseEnv, ON_POSTGRES, rawSql, schemaOf, secretsPath, tempDir } from "./helpers.ts";
import { call, type NodeProcess, runCli, startNode } from "./nodes.ts";

const ROUNDS = 10;
const WRITES_PER_ROUND = 1000;
const IN_FLIGHT = 50;
const READ_CONCURRENCY = 20;
/** Share of writes that update an existing secret (a new version) rather than create one. */
const UPDATE_SHARE = 0.35;
const PROJECT = "crash";
const base = secretsPath(PROJECT, "production");

// Rerun a failure with the seed it printed: COFFER_CRASH_SEED=<seed> npx vitest run … crash-consistency.test.ts
const SEED = Number(process.env["COFFER_CRASH_SEED"] ?? randomInt(2 ** 31));

/** mulberry32: a small seeded generator, so that a failing run's kill points and values can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

type Write = { round: number; key: string; kind: "create" | "update"; value: string };
/** What the client saw: a 2xx (with the version the server gave), a refusal, or no answer (the server died). */
type Outcome = Write & { status: number | undefined; version: number | undefined };

const isAcknowledged = (outcome: Outcome) =>
  outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;

/** Everything sent, per key: what must be there (acknowledged), what may be there, and what must not. */
class Ledger {
  readonly outcomes: Outcome[] = [];
  readonly acknowledged = new Map<string, Map<number, string>>();
  readonly sent = new Map<string, Set<string>>();
  readonly refused = new Map<string, Set<string>>();
  readonly createValue = new Map<string, string>();

  record(outcome: Outcome): void {
    this.outcomes.push(outcome);
    const { key, value, status, version } = outcome;
    this.sent.set(key, (this.sent.get(key) ?? new Set()).add(value));
    if (outcome.kind === "create") this.createValue.set(key, value);
    if (isAcknowledged(outcome)) {
      if (version === undefined) throw new Error(`acknowledged write of ${key} without a version`);
      const versions = this.acknowledged.get(key) ?? new Map<number, string>();
      expect(versions.has(version), `${key} version ${version} acknowledged twice`).toBe(false);
      this.acknowledged.set(key, versions.set(version, value));
    } else if (status !== undefined) {
      this.refused.set(key, (this.refused.get(key) ?? new Set()).add(value));
    }
  }

  latestAcknowledged(key: string): number {
    return Math.max(0, ...(this.acknowledged.get(key)?.keys() ?? []));
  }
}

/** Runs `work` over `items`, `limit` at a time. */
async function pooled<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

type Current = Map<string, { version: number; value: string }>;

async function currentValues(node: NodeProcess, root: string): Promise<Current> {
  const response = await call(
    node.url,
    root,
    "POST",
    `/v1/projects/${PROJECT}/environments/production/values`,
    {},
  );
  expect(response.status).toBe(200);
  const secrets = response.body?.["secrets"] as { key: string; version: number; data: { value: string } }[];
  return new Map(
    secrets.map((secret) => [secret.key, { version: secret.version, value: secret.data.value }]),
  );
}

async function valueAt(node: NodeProcess, root: string, key: string, version: number): Promise<string> {
  const response = await call(node.url, root, "GET", `${base}/${key}/versions/${version}/value`);
  expect(response.status, `${key} version ${version}`).toBe(200);
  return (response.body?.["data"] as { value: string } | undefined)?.value ?? "";
}

/**
 * What the restarted server holds agrees with the ledger. `versionsToRead` are read one by one (the bulk read gives
 * current values only): each must hold the value acknowledged for it, or one that was sent for that key.
 */
async function verifyAgainstLedger(
  node: NodeProcess,
  root: string,
  ledger: Ledger,
  versionsToRead: (current: Current) => { key: string; version: number }[],
): Promise<Current> {
  const current = await currentValues(node, root);
  for (const [key, versions] of ledger.acknowledged) {
    const held = current.get(key);
    expect(held, `acknowledged secret ${key} is missing`).toBeDefined();
    const latest = ledger.latestAcknowledged(key);
    expect(held!.version, `${key} went back behind acknowledged version ${latest}`).toBeGreaterThanOrEqual(
      latest,
    );
    if (held!.version === latest) expect(held!.value, `${key} version ${latest}`).toBe(versions.get(latest));
  }
  for (const [key, held] of current) {
    expect(ledger.sent.get(key)?.has(held.value), `${key} holds a value never sent`).toBe(true);
    expect(ledger.refused.get(key)?.has(held.value) ?? false, `${key} holds a refused value`).toBe(false);
  }
  await pooled(versionsToRead(current), READ_CONCURRENCY, async ({ key, version }) => {
    const value = await valueAt(node, root, key, version);
    const acknowledged = ledger.acknowledged.get(key)?.get(version);
    if (acknowledged !== undefined) expect(value, `${key} version ${version}`).toBe(acknowledged);
    else if (version === 1) expect(value, `${key} version 1`).toBe(ledger.createValue.get(key));
    else
      expect(ledger.sent.get(key)?.has(value), `${key} version ${version} holds a value never sent`).toBe(
        true,
      );
    expect(
      ledger.refused.get(key)?.has(value) ?? false,
      `${key} version ${version} holds a refused value`,
    ).toBe(false);
  });
  return current;
}

/** Fires the round's writes, IN_FLIGHT at a time, and SIGKILLs the node once `killAfter` answers have come back. */
async function writeUntilKilled(
  node: NodeProcess,
  root: string,
  round: number,
  random: () => number,
  existing: string[],
  killAfter: number,
  ledger: Ledger,
): Promise<void> {
  const keys = [...existing];
  let sent = 0;
  let answered = 0;
  let killed = false;
  const randomValue = (key: string) =>
    `${key}:${round}:${sent}:${Math.floor(random() * 2 ** 32).toString(36)}:${"x".repeat(Math.floor(random() ** 4 * 6000))}`;
  const worker = async () => {
    while (!killed && sent < WRITES_PER_ROUND) {
      const update = keys.length > 0 && random() < UPDATE_SHARE;
      const key = update ? keys[Math.floor(random() * keys.length)]! : `R${round}_${sent}`;
      const write: Write = { round, key, kind: update ? "update" : "create", value: randomValue(key) };
      sent++;
      let status: number | undefined;
      let version: number | undefined;
      try {
        const response = update
          ? await call(node.url, root, "PATCH", `${base}/${key}`, { value: write.value })
          : await call(node.url, root, "POST", base, { key, value: write.value });
        status = response.status;
        version = response.body?.["version"] as number | undefined;
      } catch {
        // The connection died with the node, or the answer was cut short: not acknowledged.
      }
      if (status !== undefined) {
        expect([200, 201, 409], `${write.kind} ${key}`).toContain(status);
        if (status === 201) keys.push(key);
      }
      ledger.record({ ...write, status, version });
      if (++answered === killAfter && !killed) {
        killed = true;
        node.child.kill("SIGKILL");
      }
    }
  };
  const exited = new Promise((resolve) => node.child.once("exit", resolve));
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  expect(killed, "the node was killed mid-round").toBe(true);
  await exited;
}

/** On the stopped node's file: SQLite's own check, and the invariants no crash may break. */
async function checkStoredData(dataDir: string): Promise<void> {
  const invariants = [
    // no secret without its current version, no version without its secret, no gap in the versions
    `select s.key from secrets s where s.current_version !=
       (select count(*) from secret_versions v where v.secret_id = s.id and v.version <= s.current_version)
     or exists (select 1 from secret_versions v where v.secret_id = s.id and v.version > s.current_version)`,
    "select v.secret_id from secret_versions v left join secrets s on s.id = v.secret_id where s.id is null",
    // every committed version has the audit event written in its transaction (create, then one update per version)
    `select s.key from secrets s left join
       (select secret_key, count(*) as n from audit_events where project = '${PROJECT}' and outcome = 'success'
           and action in ('secret.create', 'secret.update') group by secret_key) a on a.secret_key = s.key
     where coalesce(a.n, 0) != s.current_version`,
  ];
  if (ON_POSTGRES) {
    const sql = await rawSql(dataDir);
    try {
      for (const query of invariants) expect(await sql.all(query), query).toEqual([]);
    } finally {
      await sql.close();
    }
    return;
  }
  const db = new DatabaseSync(join(dataDir, "coffer.db"), { readOnly: true });
  try {
    expect(db.prepare("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
    for (const query of invariants) expect(db.prepare(query).all(), query).toEqual([]);
  } finally {
    db.close();
  }
}

async function auditVerifies(node: NodeProcess, root: string): Promise<void> {
  const verify = await runCli(["audit", "verify"], { COFFER_ADDR: node.url, COFFER_TOKEN: root });
  expect(verify.stdout, verify.stderr).toMatch(/^Audit log intact: \d+ events checked\.$/m);
  expect(verify.code).toBe(0);
}

// On PostgreSQL the node that dies is only a client: the database survives it and rolls back what was in flight.
// The same rounds run there (acknowledged writes, invariants, audit chain); PRAGMA integrity_check is SQLite's own
// and has no PostgreSQL counterpart short of the amcheck extension, so that part is SQLite's only.
describe("crash consistency", () => {
  const dataDir = tempDir("coffer-crash-");
  const env = { COFFER_MASTER_KEY: generateMasterKey(), ...databaseEnv(dataDir) };
  let node: NodeProcess | undefined;
  afterAll(async () => {
    await node?.stop();
    if (ON_POSTGRES) {
      const sql = await rawSql(dataDir);
      await sql.run(`drop schema if exists ${schemaOf(dataDir)} cascade`);
      await sql.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged write through ${ROUNDS} SIGKILLs during ${WRITES_PER_ROUND} concurrent writes`, {
    timeout: 180_000,
  }, async () => {
    console.info(`crash-consistency seed: ${SEED} (replay with COFFER_CRASH_SEED=${SEED})`);
    const random = seeded(SEED);
    const ledger = new Ledger();
    node = await startNode(["--data-dir", dataDir], env);
    const root = /Root token: {2}(coffer_\S+)/.exec(node.output())?.[1] ?? "";
    expect(root).not.toBe("");
    expect((await call(node.url, root, "POST", "/v1/projects", { slug: PROJECT })).status).toBe(201);

    let current: Current = new Map();
    for (let round = 1; round <= ROUNDS; round++) {
      const killAfter = 25 + Math.floor(random() * (WRITES_PER_ROUND - IN_FLIGHT - 25));
      const before = ledger.outcomes.length;
      await writeUntilKilled(node, root, round, random, [...current.keys()], killAfter, ledger);
      const acknowledged = ledger.outcomes.slice(before).filter(isAcknowledged);
      console.info(
        `round ${round}: killed after ${killAfter} answers; ${ledger.outcomes.length - before} writes sent, ` +
          `${acknowledged.length} acknowledged`,
      );
      await checkStoredData(dataDir);
      node = await startNode(["--data-dir", dataDir], env);
      // Current values are read in bulk; the versions this round acknowledged below them, one by one.
      current = await verifyAgainstLedger(node, root, ledger, (latest) =>
        acknowledged
          .filter((outcome) => outcome.version! < (latest.get(outcome.key)?.version ?? 0))
          .map(({ key, version }) => ({ key, version: version! })),
      );
      await auditVerifies(node, root);
    }

    // After the last round, every version of every secret, whichever round wrote it (the current ones in bulk).
    await verifyAgainstLedger(node, root, ledger, (latest) =>
      [...latest].flatMap(([key, { version }]) =>
        Array.from({ length: version - 1 }, (_, index) => ({ key, version: index + 1 })),
      ),
    );
    await node.stop();
    node = undefined;
    await checkStoredData(dataDir);
  });
});
