// Data-key rotation: a new data key version per project, the stored values re-sealed under it in the background
// (reads go on), the old version deleted once nothing uses it, and a rotation cut short by a crash finishes on restart.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { generateMasterKey } from "@coffer/server";
import { afterAll, describe, expect, it } from "vitest";
import {
  databaseEnv,
  ON_POSTGRES,
  rawSql,
  schemaOf,
  secretsPath,
  startServer,
  TEST_PG_URL,
  tempDir,
} from "./helpers.ts";
import { call, type NodeProcess, startNode } from "./nodes.ts";
import { openSeeder } from "./seed-store.ts";

type Status = {
  projects: {
    project: string;
    activeVersion: number;
    versions: { version: number; active: boolean; values: number }[];
  }[];
  rotation: { running: boolean; remaining: number };
};

/** Polls the key status until no value is left under an old key version and the job has stopped. */
async function rotationFinished(getStatus: () => Promise<Status>, timeoutMs = 30_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await getStatus();
    if (status.rotation.remaining === 0 && !status.rotation.running) return status;
    if (Date.now() > deadline) throw new Error(`rotation not finished: ${JSON.stringify(status.rotation)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The key version in each envelope's header, per stored version of the project's values. */
async function envelopeVersions(dataDir: string, project: string): Promise<number[]> {
  const sql = await rawSql(dataDir);
  try {
    const rows = await sql.all(
      `select v.key_version, v.ciphertexts from secret_versions v
         join secrets s on s.id = v.secret_id
         join environments e on e.id = s.environment_id
         join projects p on p.id = e.project_id
       where p.slug = ?`,
      project,
    );
    return rows.flatMap((row) =>
      Object.values(JSON.parse(String(row["ciphertexts"])) as Record<string, string>).map((envelope) => {
        const header = Buffer.from(envelope, "base64").readUInt32BE(1);
        expect(header).toBe(Number(row["key_version"]));
        return header;
      }),
    );
  } finally {
    await sql.close();
  }
}

describe("data-key rotation", () => {
  it("re-seals every value of the project under the new version, retires the old one and leaves other projects alone", async () => {
    const coffer = await startServer();
    try {
      const values = new Map<string, string>();
      for (const project of ["rotated", "untouched"]) {
        await coffer.api("POST", "/v1/projects", { slug: project });
        for (const env of ["development", "production"]) {
          for (let n = 0; n < 10; n++) {
            const value = `${project}-${env}-${n}`;
            await coffer.api("POST", secretsPath(project, env), { key: `K${n}`, value: `${value}-old` });
            await coffer.api("PATCH", `${secretsPath(project, env)}/K${n}`, {
              fields: { value, user: `user-${n}` },
            });
            values.set(`${project}/${env}/K${n}`, value);
          }
        }
      }
      // A version destroyed through the Vault API holds no ciphertext; it must not hold up the rotation either.
      const destroyed = await fetch(`${coffer.url}/vault/v1/rotated/production/destroy/K0`, {
        method: "POST",
        headers: { "x-vault-token": coffer.rootToken, "content-type": "application/json" },
        body: JSON.stringify({ versions: [1] }),
      });
      expect(destroyed.status).toBe(204);

      const started = await coffer.api("POST", "/v1/keys/rotate-data", { project: "rotated" });
      expect(started.status).toBe(202);
      expect(started.body).toEqual({ projects: ["rotated"] });

      const status = await rotationFinished(async () => (await coffer.api("GET", "/v1/keys/status")).body);
      expect(status.projects).toEqual([
        { project: "rotated", activeVersion: 2, versions: [{ version: 2, active: true, values: 40 }] },
        { project: "untouched", activeVersion: 1, versions: [{ version: 1, active: true, values: 40 }] },
      ]);
      expect(new Set(await envelopeVersions(coffer.dataDir, "rotated"))).toEqual(new Set([2]));
      expect(new Set(await envelopeVersions(coffer.dataDir, "untouched"))).toEqual(new Set([1]));

      for (const [path, value] of values) {
        const [project, env, key] = path.split("/") as [string, string, string];
        const latest = await coffer.api("GET", `${secretsPath(project, env)}/${key}/value`);
        expect(latest.body.data).toEqual({ value, user: `user-${key.slice(1)}` });
        const first = await coffer.api("GET", `${secretsPath(project, env)}/${key}/versions/1/value`);
        if (path === "rotated/production/K0") expect(first.status).toBe(404);
        else expect(first.body.data).toEqual({ value: `${value}-old` });
      }
      const audit = await coffer.api("GET", "/v1/audit?action=keys.rotate_data");
      expect(audit.body.events).toMatchObject([{ project: "rotated", outcome: "success" }]);

      // Without a project, every project gets a new version.
      expect((await coffer.api("POST", "/v1/keys/rotate-data", {})).body).toEqual({
        projects: ["rotated", "untouched"],
      });
      const all = await rotationFinished(async () => (await coffer.api("GET", "/v1/keys/status")).body);
      expect(all.projects.map((p) => [p.project, p.versions.map((v) => v.version)])).toEqual([
        ["rotated", [3]],
        ["untouched", [2]],
      ]);
    } finally {
      await coffer.close();
    }
  });
});

describe("a data-key rotation cut short by a crash", () => {
  const dataDir = tempDir();
  const masterKey = generateMasterKey();
  const env = { COFFER_MASTER_KEY: masterKey, ...databaseEnv(dataDir) };
  const COUNT = 8000;
  let node: NodeProcess | undefined;

  afterAll(async () => {
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (ON_POSTGRES) {
      const sql = await rawSql(dataDir);
      await sql.run(`drop schema if exists ${schemaOf(dataDir)} cascade`);
      await sql.close();
    }
  });

  it("serves reads while it runs, and finishes after a restart with every value readable", async () => {
    node = await startNode(["--data-dir", dataDir], env);
    const url = node.url;
    const root = /Root token: {2}(coffer_\S+)/.exec(node.output())?.[1] ?? "";
    expect((await call(url, root, "POST", "/v1/projects", { slug: "bulk" })).status).toBe(201);
    const seeder = await openSeeder(
      ON_POSTGRES ? { url: TEST_PG_URL, schema: schemaOf(dataDir) } : { file: join(dataDir, "coffer.db") },
      masterKey,
    );
    await seeder.seed({
      project: "bulk",
      environment: "production",
      count: COUNT,
      key: (n) => `S${n}`,
      value: (n) => `value-${n}`,
    });
    await seeder.close();

    expect((await call(url, root, "POST", "/v1/keys/rotate-data", { project: "bulk" })).status).toBe(202);
    // Every read below comes after the rotation started and before a status showing values still left: during it.
    let reads = 0;
    for (let round = 0; ; round++) {
      const keys = Array.from({ length: 5 }, (_, i) => `S${((round * 5 + i) * 7919) % COUNT}`);
      const answers = await Promise.all(
        keys.map((key) => call(url, root, "GET", `${secretsPath("bulk", "production")}/${key}/value`)),
      );
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe(200);
        expect(answer.body?.["data"]).toEqual({ value: `value-${keys[i]!.slice(1)}` });
      }
      const { remaining } = ((await call(url, root, "GET", "/v1/keys/status")).body as Status).rotation;
      expect(remaining, "the rotation finished before it could be interrupted").toBeGreaterThan(0);
      reads += answers.length;
      if (remaining < COUNT) break;
    }
    expect(reads).toBeGreaterThan(0);
    node.child.kill("SIGKILL");
    await new Promise((resolve) => node?.child.once("exit", resolve));

    const sql = await rawSql(dataDir);
    const byVersion = await sql.all(
      "select key_version, count(*) as n from secret_versions group by key_version",
    );
    await sql.close();
    const counts = Object.fromEntries(byVersion.map((row) => [Number(row["key_version"]), Number(row["n"])]));
    expect(counts[1], "values left under the old key").toBeGreaterThan(0);
    expect(counts[2], "values already under the new key").toBeGreaterThan(0);
    expect((counts[1] ?? 0) + (counts[2] ?? 0)).toBe(COUNT);

    node = await startNode(["--data-dir", dataDir], env);
    const after = node.url;
    const status = await rotationFinished(
      async () => (await call(after, root, "GET", "/v1/keys/status")).body as Status,
    );
    expect(status.projects).toEqual([
      { project: "bulk", activeVersion: 2, versions: [{ version: 2, active: true, values: COUNT }] },
    ]);
    const all = await call(after, root, "POST", "/v1/projects/bulk/environments/production/values", {});
    const secrets = all.body?.["secrets"] as { key: string; data: { value: string } }[];
    expect(secrets).toHaveLength(COUNT);
    for (const secret of secrets) expect(secret.data.value).toBe(`value-${secret.key.slice(1)}`);
  });
});
