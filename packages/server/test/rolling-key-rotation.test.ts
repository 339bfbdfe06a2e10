// The master-key rotation procedure of docs/deployment.md, command for command, on two `coffer serve` nodes sharing
// one PostgreSQL: a rolling restart onto both keys, the rotation, a rolling restart onto the new key only. A reader
// going through whichever nodes are up (as a load balancer would) never gets an error.
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateMasterKey } from "@coffer/server";
import { afterAll, describe, expect, it } from "vitest";
import { ON_POSTGRES, rawSql, secretsPath, TEST_PG_URL, tempDir } from "./helpers.ts";
import { call, type NodeProcess, runCli, startNode } from "./nodes.ts";

describe.skipIf(!ON_POSTGRES)("rotating the master key of a running cluster", () => {
  const work = tempDir();
  const schema = `t_roll_${randomBytes(6).toString("hex")}`;
  const database = { COFFER_DATABASE_URL: TEST_PG_URL, COFFER_DATABASE_SCHEMA: schema };
  const oldKey = join(work, "master.key");
  const newKey = join(work, "master-2.key");
  const live = new Set<NodeProcess>();
  const started: NodeProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((node) => node.stop()));
    const sql = await rawSql(work);
    await sql.run(`drop schema if exists ${schema} cascade`);
    await sql.close();
    rmSync(work, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const node = await startNode(["--host", "127.0.0.1", "--data-dir", work], { ...database, ...env });
    started.push(node);
    live.add(node);
    return node;
  };
  /** Takes a node out of the pool first (its health check fails), then stops it and starts it with `env`. */
  const restart = async (node: NodeProcess, env: Record<string, string>) => {
    live.delete(node);
    await node.stop();
    return start(env);
  };

  it("keeps serving through the rolling restarts and the rotation", async () => {
    // `coffer keygen --out FILE` in the procedure (tested with the CLI); the same 32 random bytes in base64 here.
    writeFileSync(oldKey, `${generateMasterKey()}\n`, { mode: 0o600 });
    const oldOnly = { COFFER_MASTER_KEY_FILE: oldKey };
    let a = await start(oldOnly);
    const root = /Root token: {2}(coffer_\S+)/.exec(a.output())?.[1] ?? "";
    let b = await start(oldOnly);
    const base = secretsPath("shop", "production");
    expect((await call(a.url, root, "POST", "/v1/projects", { slug: "shop" })).status).toBe(201);
    expect((await call(a.url, root, "POST", base, { key: "K", value: "before" })).status).toBe(201);

    let reading = true;
    let reads = 0;
    const failures: string[] = [];
    const reader = (async () => {
      while (reading) {
        for (const node of [...live]) {
          const read = await call(node.url, root, "GET", `${base}/K/value`).catch((error: Error) => ({
            status: 0,
            body: { error: error.message },
          }));
          // A node may leave the pool while the request is under way: only errors from live nodes count.
          if (read.status !== 200 && live.has(node))
            failures.push(`${read.status} ${JSON.stringify(read.body)}`);
          reads++;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    // 1. A new key, and every node restarted, one at a time, with the new key and the previous one.
    writeFileSync(newKey, `${generateMasterKey()}\n`, { mode: 0o600 });
    const both = { COFFER_MASTER_KEY_FILE: newKey, COFFER_MASTER_KEY_PREVIOUS_FILE: oldKey };
    a = await restart(a, both);
    b = await restart(b, both);

    // 2. The rotation itself, from any machine that reaches the database.
    const rotated = await runCli(["keys", "rotate-master"], { ...database, ...both });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^Re-wrapped 1 data key under the new master key/);
    expect((await call(b.url, root, "POST", "/v1/projects", { slug: "later" })).status).toBe(201);
    await call(b.url, root, "POST", secretsPath("later", "production"), { key: "K", value: "after" });

    // 3. Every node restarted, one at a time, with the new key only.
    const newOnly = { COFFER_MASTER_KEY_FILE: newKey };
    a = await restart(a, newOnly);
    b = await restart(b, newOnly);
    reading = false;
    await reader;
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(20);

    expect(
      (await call(a.url, root, "GET", `${secretsPath("later", "production")}/K/value`)).body?.["data"],
    ).toEqual({
      value: "after",
    });
    expect((await call(b.url, root, "POST", "/v1/audit/verify", {})).body).toMatchObject({ ok: true });
  });
});
