// Several Coffer nodes on one PostgreSQL: what one node changes, the others see at once.
import { randomBytes } from "node:crypto";
import { generateMasterKey } from "@coffer/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_POSTGRES, rawSql, secretsPath, TEST_PG_URL, tempDir } from "./helpers.ts";
import { call, type NodeProcess, startNode } from "./nodes.ts";

describe.skipIf(!ON_POSTGRES)("two nodes on one PostgreSQL", () => {
  const dataDir = tempDir();
  const schema = `t_nodes_${randomBytes(6).toString("hex")}`;
  const env = {
    COFFER_MASTER_KEY: generateMasterKey(),
    COFFER_DATABASE_URL: TEST_PG_URL,
    COFFER_DATABASE_SCHEMA: schema,
  };
  let a: NodeProcess;
  let b: NodeProcess;
  let root = "";
  const base = secretsPath("shared", "production");

  beforeAll(async () => {
    a = await startNode(["--data-dir", dataDir], env);
    root = /Root token: {2}(coffer_\S+)/.exec(a.output())?.[1] ?? "";
    b = await startNode(["--data-dir", tempDir()], env);
    expect((await call(a.url, root, "POST", "/v1/projects", { slug: "shared" })).status).toBe(201);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    const sql = await rawSql(dataDir);
    await sql.run(`drop schema if exists ${schema} cascade`);
    await sql.close();
  });

  it("a write on node A is readable on node B at once", async () => {
    expect((await call(a.url, root, "POST", base, { key: "FROM_A", value: "written-on-a" })).status).toBe(
      201,
    );
    const read = await call(b.url, root, "GET", `${base}/FROM_A/value`);
    expect(read.status).toBe(200);
    expect(read.body?.["data"]).toEqual({ value: "written-on-a" });
    expect((await call(a.url, root, "POST", "/v1/projects", { slug: "fresh" })).status).toBe(201);
    expect((await call(b.url, root, "GET", "/v1/projects/fresh")).status).toBe(200);
  });

  it("a token revoked on node A is refused on node B within a second", async () => {
    const created = await call(a.url, root, "POST", "/v1/tokens", {
      name: "short",
      projects: ["shared"],
      permissions: ["secrets:list"],
    });
    const token = String(created.body?.["token"]);
    expect((await call(b.url, token, "GET", base)).status).toBe(200);
    expect((await call(a.url, root, "DELETE", `/v1/tokens/${String(created.body?.["id"])}`)).status).toBe(
      204,
    );
    const deadline = Date.now() + 1000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      status = (await call(b.url, token, "GET", base)).status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });

  it("a node whose notification channel drops stops trusting its caches, and reconnects", async () => {
    const created = await call(a.url, root, "POST", "/v1/tokens", {
      name: "during-outage",
      projects: ["shared"],
      permissions: ["secrets:list"],
    });
    const token = String(created.body?.["token"]);
    expect((await call(b.url, token, "GET", base)).status).toBe(200);
    const sql = await rawSql(dataDir);
    const ours = `listen "coffer_cache_${schema}"`;
    await sql.run("select pg_terminate_backend(pid) from pg_stat_activity where query = ?", ours);
    // While B is without its channel, a revocation on A still takes effect on B: its caches are bypassed.
    await call(a.url, root, "DELETE", `/v1/tokens/${String(created.body?.["id"])}`);
    expect((await call(b.url, token, "GET", base)).status).toBe(401);
    let listeners = 0;
    for (let attempt = 0; attempt < 100 && listeners < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await sql.all("select count(*) as n from pg_stat_activity where query = ?", ours);
      listeners = Number(rows[0]?.["n"]);
    }
    await sql.close();
    expect(listeners).toBe(2);
  });

  it("a value rotated on node A reads as the new value on node B", async () => {
    await call(a.url, root, "POST", base, { key: "ROTATING", value: "old" });
    expect((await call(b.url, root, "GET", `${base}/ROTATING/value`)).body?.["data"]).toEqual({
      value: "old",
    });
    await call(a.url, root, "PATCH", `${base}/ROTATING`, { value: "new" });
    expect((await call(b.url, root, "GET", `${base}/ROTATING/value`)).body?.["data"]).toEqual({
      value: "new",
    });
  });

  it("killing node A in the middle of 500 writes loses none it acknowledged, and node B keeps serving", async () => {
    const acknowledged: string[] = [];
    const writes = Array.from({ length: 500 }, async (_, i) => {
      try {
        const response = await call(a.url, root, "POST", base, { key: `CRASH_${i}`, value: `value-${i}` });
        if (response.status === 201) acknowledged.push(`CRASH_${i}`);
        // Kill A once a fifth of the writes are acknowledged: the rest are in flight or not yet sent.
        if (acknowledged.length === 100) a.child.kill("SIGKILL");
      } catch {
        // the connection died with the node: not acknowledged
      }
    });
    await Promise.all(writes);
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);
    expect(acknowledged.length).toBeLessThan(500);
    const values = await call(b.url, root, "POST", "/v1/projects/shared/environments/production/values", {
      keys: acknowledged,
    });
    expect(values.status).toBe(200);
    const found = values.body?.["secrets"] as { key: string; data: { value: string } }[];
    expect(found).toHaveLength(acknowledged.length);
    for (const secret of found) expect(secret.data.value).toBe(`value-${secret.key.slice("CRASH_".length)}`);
    expect((await call(b.url, root, "POST", base, { key: "AFTER_CRASH", value: "v" })).status).toBe(201);
    const verify = await call(b.url, root, "POST", "/v1/audit/verify", {});
    expect(verify.body).toMatchObject({ ok: true });
  });
});
