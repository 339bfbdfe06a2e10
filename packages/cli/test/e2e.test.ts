// The CLI against a real server: `coffer serve --dev` on port 0 with a temporary data directory,
// driven through the real executable exactly as a user would.

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliInput, type CliResult, runBinary } from "./run-cli.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

const ROOT_TOKEN = `coffer_test_root_${randomBytes(16).toString("hex")}`;
const CANARY_1 = `canary-one-${randomBytes(8).toString("hex")}`;
const CANARY_2 = `canary-two-${randomBytes(8).toString("hex")}`;
const CANARY_DB = `canary-db-${randomBytes(8).toString("hex")}`;
const CANARIES = [CANARY_1, CANARY_2, CANARY_DB];

let dataDir: string;
let server: ServerProcess;

/** `coffer …` as the root token, in project `payments`, environment `development`. */
function coffer(argv: string[], input: CliInput = {}): Promise<CliResult> {
  const env = {
    COFFER_ADDR: server.url,
    COFFER_TOKEN: ROOT_TOKEN,
    COFFER_PROJECT: "payments",
    COFFER_ENV: "development",
    ...input.env,
  };
  return runBinary(argv, { ...input, env });
}

function expectNoValue(text: string): void {
  for (const canary of CANARIES) expect(text).not.toContain(canary);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coffer-cli-e2e-"));
  server = await startServer(
    ["--dev", "--port", "0", "--data-dir", join(dataDir, "data"), "--dev-root-token", ROOT_TOKEN],
    {},
  );
}, 30_000);

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 15_000);

describe("projects and environments", { timeout: 30_000 }, () => {
  it("creates a project and lists it in a table and as JSON", async () => {
    const created = await coffer(["projects", "create", "payments", "--name", "Payments"]);
    expect(created).toMatchObject({ code: 0, stdout: "Created project 'payments'.\n" });

    const table = await coffer(["projects", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SLUG\s+NAME\s+CREATED\s+DESCRIPTION$/m);
    expect(table.stdout).toMatch(/^payments\s+Payments\s+\d{4}-\d{2}-\d{2} /m);

    const json = JSON.parse((await coffer(["projects", "list", "--json"])).stdout);
    expect(json.projects.map((p: { slug: string }) => p.slug)).toContain("payments");
  });

  it("reports a duplicate project as an error with exit code 1", async () => {
    const result = await coffer(["projects", "create", "payments"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: /);
  });

  it("gives a new project the default environments, and adds and deletes one", async () => {
    const list = await coffer(["envs", "list"]);
    expect(list.code).toBe(0);
    for (const env of ["development", "staging", "production"])
      expect(list.stdout).toMatch(new RegExp(`^${env}\\s`, "m"));

    expect(await coffer(["envs", "create", "qa", "--name", "QA"])).toMatchObject({ code: 0 });
    const json = JSON.parse((await coffer(["envs", "list", "--json"])).stdout);
    expect(json.environments.map((e: { slug: string }) => e.slug)).toContain("qa");

    expect(await coffer(["envs", "delete", "qa"])).toMatchObject({ code: 2 });
    expect(await coffer(["envs", "delete", "qa", "--yes"])).toMatchObject({ code: 0 });
    expect((await coffer(["envs", "list"])).stdout).not.toMatch(/^qa\s/m);
  });
});

describe("secrets", { timeout: 30_000 }, () => {
  it("creates a secret with set and prints its value with get", async () => {
    const set = await coffer(["secrets", "set", "STRIPE_KEY", CANARY_1, "--description", "Stripe live key"]);
    expect(set).toEqual({ code: 0, stdout: "Created secret 'STRIPE_KEY' (version 1).\n", stderr: "" });
    expect(await coffer(["secrets", "get", "STRIPE_KEY"])).toEqual({
      code: 0,
      stdout: `${CANARY_1}\n`,
      stderr: "",
    });
  });

  it("updates an existing secret with a value read from stdin, without its trailing newline", async () => {
    const set = await coffer(["secrets", "set", "STRIPE_KEY", "--value-stdin"], { stdin: `${CANARY_2}\n` });
    expect(set).toEqual({ code: 0, stdout: "Updated secret 'STRIPE_KEY' (version 2).\n", stderr: "" });
    expect((await coffer(["secrets", "get", "STRIPE_KEY"])).stdout).toBe(`${CANARY_2}\n`);
  });

  it("treats setting the value a secret already has as success", async () => {
    const set = await coffer(["secrets", "set", "STRIPE_KEY", CANARY_2]);
    expect(set).toMatchObject({ code: 0, stdout: "Unchanged secret 'STRIPE_KEY' (no changes to save).\n" });
  });

  it("reads an old version with --version, and the JSON of the reveal with --json", async () => {
    expect((await coffer(["secrets", "get", "STRIPE_KEY", "--version", "1"])).stdout).toBe(`${CANARY_1}\n`);
    const json = JSON.parse((await coffer(["secrets", "get", "STRIPE_KEY", "--json"])).stdout);
    expect(json).toEqual({ key: "STRIPE_KEY", version: 2, data: { value: CANARY_2 } });
  });

  it("writes a multi-field secret with its attributes and reads one field or all", async () => {
    const set = await coffer([
      "secrets",
      "set",
      "payments/db",
      "--field",
      "user=app",
      "--field",
      `password=${CANARY_DB}`,
      "--type",
      "database",
      "--name",
      "Payments DB",
      "--meta",
      "team=core",
      "--allow-destination",
      "db.internal",
      "--json",
    ]);
    expect(set.code).toBe(0);
    expectNoValue(set.stdout);
    expect(JSON.parse(set.stdout)).toMatchObject({
      key: "payments/db",
      fields: expect.arrayContaining(["user", "password"]),
      type: "database",
      name: "Payments DB",
      metadata: { team: "core" },
      allowedDestinations: ["db.internal"],
    });

    expect((await coffer(["secrets", "get", "payments/db", "--field", "password"])).stdout).toBe(
      `${CANARY_DB}\n`,
    );
    const all = await coffer(["secrets", "get", "payments/db"]);
    expect(all.stdout).toMatch(/^FIELD\s+VALUE$/m);
    expect(all.stdout).toMatch(new RegExp(`^password\\s+${CANARY_DB}$`, "m"));

    const missing = await coffer(["secrets", "get", "payments/db", "--field", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("has no field 'nope'");
    expectNoValue(missing.stderr);
  });

  it("lists secrets in a table and as JSON, never with a value", async () => {
    const table = await coffer(["secrets", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^KEY\s+FIELDS\s+VERSION\s+TYPE\s+UPDATED\s+DESCRIPTION$/m);
    expect(table.stdout).toMatch(/^STRIPE_KEY\s+value\s+2\s/m);
    expect(table.stdout).toMatch(/^payments\/db\s+/m);
    expectNoValue(table.stdout);

    const json = await coffer(["secrets", "list", "--json"]);
    expectNoValue(json.stdout);
    expect(JSON.parse(json.stdout).secrets).toHaveLength(2);

    const filtered = await coffer(["secrets", "list", "--prefix", "payments"]);
    expect(filtered.stdout).not.toContain("STRIPE_KEY");
    expect(filtered.stdout).toContain("payments/db");
  });

  it("lists versions and rolls back to an old value as a new version", async () => {
    const versions = await coffer(["secrets", "versions", "STRIPE_KEY"]);
    expect(versions.code).toBe(0);
    expect(versions.stdout).toMatch(/^VERSION\s+CREATED\s+BY\s+FIELDS\n2\s.*\n1\s/m);
    expectNoValue(versions.stdout);

    const rollback = await coffer(["secrets", "rollback", "STRIPE_KEY", "1"]);
    expect(rollback).toMatchObject({
      code: 0,
      stdout: "Rolled back 'STRIPE_KEY' to the value of version 1: now version 3.\n",
    });
    expectNoValue(rollback.stdout);
    expect((await coffer(["secrets", "get", "STRIPE_KEY"])).stdout).toBe(`${CANARY_1}\n`);
  });

  it("shows the server's message and the offending field for invalid input", async () => {
    const result = await coffer(["secrets", "set", "1-starts-with-a-digit", CANARY_1]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: .+/);
    expect(result.stderr).toContain("key");
    expectNoValue(result.stderr);
  });

  it("deletes a secret with --yes, after which it is not found", async () => {
    expect(await coffer(["secrets", "delete", "payments/db", "--yes"])).toMatchObject({
      code: 0,
      stdout: "Deleted secret 'payments/db' and all its versions.\n",
    });
    const get = await coffer(["secrets", "get", "payments/db"]);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/^Error: /);
  });
});

describe("tokens", { timeout: 30_000 }, () => {
  let tokenId: string;
  let token: string;

  it("prints a new token alone on stdout, with the warning on stderr", async () => {
    const result = await coffer([
      "tokens",
      "create",
      "--name",
      "ci",
      "--project",
      "payments",
      "--env",
      "development",
      "--permission",
      "secrets:list",
      "--expires",
      "30d",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^coffer_\S+\n$/);
    expect(result.stderr).toContain("it will not be shown again");
    token = result.stdout.trim();
    tokenId = /\(id (\S+),/.exec(result.stderr)![1]!;
  });

  it("lists tokens without their secret part", async () => {
    const table = await coffer(["tokens", "list"]);
    expect(table.stdout).toMatch(
      /^ID\s+NAME\s+PROJECTS\s+ENVIRONMENTS\s+PERMISSIONS\s+EXPIRES\s+LAST USED$/m,
    );
    expect(table.stdout).toMatch(
      new RegExp(`^${tokenId}\\s+ci\\s+payments\\s+development\\s+secrets:list\\s`, "m"),
    );
    const json = await coffer(["tokens", "list", "--json"]);
    expect(json.stdout).not.toContain(token);
    expect(JSON.parse(json.stdout).tokens.map((t: { id: string }) => t.id)).toContain(tokenId);
  });

  it("lets the new token list but not reveal, and names the missing permission", async () => {
    const env = { COFFER_TOKEN: token };
    expect((await coffer(["secrets", "list"], { env })).code).toBe(0);
    const get = await coffer(["secrets", "get", "STRIPE_KEY"], { env });
    expect(get.code).toBe(1);
    expect(get.stderr).toContain("secrets:reveal");
    expectNoValue(get.stderr + get.stdout);
  });

  it("revokes a token, after which it is refused", async () => {
    expect(await coffer(["tokens", "revoke", tokenId])).toMatchObject({ code: 0 });
    const result = await coffer(["secrets", "list"], { env: { COFFER_TOKEN: token } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Check COFFER_TOKEN");
  });

  it("prints the JSON of the creation, secret included, with --json", async () => {
    const result = await coffer([
      "tokens",
      "create",
      "--name",
      "all",
      "--project",
      "*",
      "--permission",
      "admin",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: "all",
      projects: ["*"],
      token: expect.stringMatching(/^coffer_/),
    });
  });
});

describe("deleting a project", { timeout: 30_000 }, () => {
  it("refuses a project that holds secrets unless --force", async () => {
    const refused = await coffer(["projects", "delete", "payments", "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: /);
    expect(refused.stderr).toContain("run the command again with --force");
    expect(await coffer(["projects", "delete", "payments", "--yes", "--force"])).toMatchObject({ code: 0 });
    expect((await coffer(["projects", "list"])).stdout).not.toMatch(/^payments\s/m);
  });
});

describe("keygen", { timeout: 30_000 }, () => {
  it("prints a 32-byte base64 key alone on stdout and a hint on stderr", async () => {
    const result = await runBinary(["keygen"]);
    expect(result.code).toBe(0);
    const key = result.stdout.trim();
    expect(Buffer.from(key, "base64")).toHaveLength(32);
    expect(result.stderr).toContain(`export COFFER_MASTER_KEY=${key}`);
  });

  it("writes the key to a new file readable only by its owner, and never overwrites one", async () => {
    const file = join(dataDir, "master.key");
    expect(await runBinary(["keygen", "--out", file])).toMatchObject({ code: 0 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const key = await readFile(file, "utf8");
    expect(Buffer.from(key.trim(), "base64")).toHaveLength(32);

    const again = await runBinary(["keygen", "--out", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("refusing to overwrite");
    expect(await readFile(file, "utf8")).toBe(key);
  });
});

describe("serve", { timeout: 30_000 }, () => {
  it("refuses to start without a master key outside --dev, pointing at keygen", async () => {
    const result = await runBinary(["serve", "--port", "0", "--data-dir", join(dataDir, "no-key")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: .*/);
    expect(result.stderr).toContain("keygen");
  });

  it("stops cleanly with exit code 0 on SIGTERM", async () => {
    expect(await server.stop()).toBe(0);
  });
});
