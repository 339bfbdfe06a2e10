// The daily-work commands against a real `coffer serve --dev`: login/whoami, run, import and export.

import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliInput, type CliResult, runBinary, startBinary } from "./run-cli.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

const ROOT_TOKEN = `coffer_test_root_${randomBytes(16).toString("hex")}`;
const CANARY = `canary-run-${randomBytes(8).toString("hex")}`;
const TRICKY = `a'b"c$HOME\n#x=y\\n ünï 🔑 \`z\``;

let dir: string;
let server: ServerProcess;

function coffer(argv: string[], input: CliInput = {}, timeoutMs?: number): Promise<CliResult> {
  const env = {
    COFFER_ADDR: server.url,
    COFFER_TOKEN: ROOT_TOKEN,
    COFFER_PROJECT: "daily",
    COFFER_ENV: "development",
    ...input.env,
  };
  return runBinary(argv, { ...input, env }, timeoutMs);
}

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");
/** A child that prints the hash of a variable, never the variable itself. */
const hashOf = (name: string): string[] => [
  process.execPath,
  "-e",
  `process.stdout.write(require("node:crypto").createHash("sha256").update(process.env[${JSON.stringify(name)}] ?? "<unset>").digest("hex"))`,
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "coffer-cli-daily-"));
  server = await startServer(
    ["--dev", "--port", "0", "--data-dir", join(dir, "data"), "--dev-root-token", ROOT_TOKEN],
    {},
  );
  expect((await coffer(["projects", "create", "daily"])).code).toBe(0);
  expect((await coffer(["secrets", "set", "API_KEY", CANARY])).code).toBe(0);
  expect((await coffer(["secrets", "set", "TRICKY", "--value-stdin"], { stdin: TRICKY })).code).toBe(0);
  expect((await coffer(["secrets", "set", "payments/db", "--field", "password=pw-db"])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 15_000);

describe("login, whoami, logout", { timeout: 30_000 }, () => {
  it("stores a verified login with mode 0600 in XDG_CONFIG_HOME and uses it", async () => {
    const xdg = join(dir, "xdg");
    const env = { XDG_CONFIG_HOME: xdg, COFFER_TOKEN: "", COFFER_ADDR: "" };
    const login = await coffer(["login", "--addr", server.url, "--token-stdin"], { env, stdin: ROOT_TOKEN });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain("Logged in to");
    expect(login.stdout).not.toContain(ROOT_TOKEN);
    const file = join(xdg, "coffer", "config.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(xdg, "coffer"))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ addr: server.url, token: ROOT_TOKEN });

    const whoami = await coffer(["whoami"], { env });
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(/^kind: token$/m);
    expect(whoami.stdout).toMatch(/^projects: all/m);
    const json = JSON.parse((await coffer(["whoami", "--json"], { env })).stdout);
    expect(json).toMatchObject({ kind: "token", token: { projects: "*" } });

    expect((await coffer(["logout"], { env })).code).toBe(0);
    const after = await coffer(["whoami"], { env });
    expect(after.code).toBe(2);
    expect(after.stderr).toContain("coffer login");
  });

  it("refuses a token the server does not accept and stores nothing", async () => {
    const xdg = join(dir, "xdg-bad");
    const env = { XDG_CONFIG_HOME: xdg };
    const login = await coffer(["login", "--addr", server.url, "--token-stdin"], {
      env,
      stdin: "coffer_nope",
    });
    expect(login.code).toBe(1);
    await expect(stat(join(xdg, "coffer", "config.json"))).rejects.toThrow();
  });

  it("whoami shows a scoped token's projects and permissions", async () => {
    const created = await coffer([
      "tokens",
      "create",
      "--name",
      "ci",
      "--project",
      "daily",
      "--permission",
      "secrets:list",
      "--json",
    ]);
    const token = JSON.parse(created.stdout).token as string;
    const whoami = await coffer(["whoami"], { env: { COFFER_TOKEN: token } });
    expect(whoami.stdout).toMatch(/^projects: daily$/m);
    expect(whoami.stdout).toMatch(/^permissions: secrets:list$/m);
  });
});

describe("coffer run", { timeout: 30_000 }, () => {
  it("passes values as environment variables without printing them", async () => {
    const result = await coffer(["run", "--", ...hashOf("API_KEY")]);
    expect(result).toMatchObject({ code: 0, stdout: sha(CANARY) });
    expect(result.stderr).not.toContain(CANARY);
    expect((await coffer(["run", "--", ...hashOf("TRICKY")])).stdout).toBe(sha(TRICKY));
    expect((await coffer(["run", "--", ...hashOf("PAYMENTS_DB_PASSWORD")])).stdout).toBe(sha("pw-db"));
  });

  it("--only limits the variables to the named secrets", async () => {
    const result = await coffer(["run", "--only", "TRICKY", "--", ...hashOf("API_KEY")]);
    expect(result.stdout).toBe(sha("<unset>"));
  });

  it("passes on the exit code of the command", async () => {
    const result = await coffer(["run", "--", process.execPath, "-e", "process.exit(7)"]);
    expect(result.code).toBe(7);
  });

  it("forwards SIGTERM to the command and exits as the command did", async () => {
    const script =
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42) }); console.log('ready'); setInterval(() => {}, 1000)";
    const env = {
      COFFER_ADDR: server.url,
      COFFER_TOKEN: ROOT_TOKEN,
      COFFER_PROJECT: "daily",
      COFFER_ENV: "development",
    };
    const handled = startBinary(["run", "--", process.execPath, "-e", script], { env });
    await handled.waitFor(() => handled.stdout().includes("ready"));
    handled.child.kill("SIGTERM");
    expect(await handled.exited).toBe(42);
    expect(handled.stdout()).toContain("got SIGTERM");

    const plain = startBinary(
      ["run", "--", process.execPath, "-e", "console.log('ready'); setInterval(() => {}, 1000)"],
      { env },
    );
    await plain.waitFor(() => plain.stdout().includes("ready"));
    plain.child.kill("SIGTERM");
    expect(await plain.exited).toBe(128 + 15);
  });

  it("--write-env-file writes a private dotenv file and never overwrites one", async () => {
    const file = join(dir, "run.env");
    expect((await coffer(["run", "--write-env-file", file])).code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toContain(`API_KEY='${CANARY}'`);
    const again = await coffer(["run", "--write-env-file", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("refusing to overwrite");
  });

  it("refuses two secrets that become the same variable, naming both", async () => {
    await coffer(["envs", "create", "clash"]);
    await coffer(["secrets", "set", "a/b", "1", "--env", "clash"]);
    await coffer(["secrets", "set", "A_B", "2", "--env", "clash"]);
    const result = await coffer(["run", "--env", "clash", "--", process.execPath, "-e", ""]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("'A_B'");
    expect(result.stderr).toContain("'a/b'");
  });
});

describe("import and export", { timeout: 60_000 }, () => {
  let envCounter = 0;
  async function freshEnv(): Promise<string> {
    const env = `imp${++envCounter}`;
    expect((await coffer(["envs", "create", env])).code).toBe(0);
    return env;
  }

  it("exports every format so that json, yaml and dotenv read back the same values", async () => {
    for (const format of ["json", "yaml", "dotenv"]) {
      const out = join(dir, `export.${format === "dotenv" ? "env" : format}`);
      const exported = await coffer(["export", "--format", format, "--out", out]);
      expect(exported.code).toBe(0);
      expect((await stat(out)).mode & 0o777).toBe(0o600);
      const env = await freshEnv();
      expect((await coffer(["import", out, "--env", env])).code).toBe(0);
      expect((await coffer(["run", "--env", env, "--", ...hashOf("TRICKY")])).stdout).toBe(sha(TRICKY));
      expect((await coffer(["run", "--env", env, "--", ...hashOf("PAYMENTS_DB_PASSWORD")])).stdout).toBe(
        sha("pw-db"),
      );
    }
  });

  it("shell exports are safe to eval", async () => {
    const shell = await coffer(["export", "--format", "shell", "--only", "TRICKY"]);
    expect(shell.stdout.startsWith("export TRICKY='")).toBe(true);
    const file = join(dir, "exports.sh");
    await writeFile(file, shell.stdout);
    const hash = execFileSync("sh", ["-c", `. "${file}"; printf %s "$TRICKY" | sha256sum | cut -d' ' -f1`], {
      encoding: "utf8",
    }).trim();
    expect(hash).toBe(sha(TRICKY));
  });

  it("a dry run reports and changes nothing; each conflict mode does what it says", async () => {
    const env = await freshEnv();
    await coffer(["secrets", "set", "EXISTING", "old", "--env", env]);
    const file = join(dir, "conflict.env");
    await writeFile(file, "# comment\nEXISTING=new\nexport FRESH='fresh value'\n");

    const dry = await coffer(["import", file, "--env", env, "--dry-run", "--on-conflict", "overwrite"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^create {2}FRESH$/m);
    expect(dry.stdout).toMatch(/^update {2}EXISTING$/m);
    expect((await coffer(["secrets", "list", "--env", env, "--json"])).stdout).not.toContain("FRESH");

    const failed = await coffer(["import", file, "--env", env]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('"EXISTING"');
    expect((await coffer(["secrets", "list", "--env", env, "--json"])).stdout).not.toContain("FRESH");

    const skipped = await coffer(["import", file, "--env", env, "--on-conflict", "skip"]);
    expect(skipped.stdout).toContain("created 1 secret, updated 0, skipped 1");
    expect((await coffer(["secrets", "get", "EXISTING", "--env", env])).stdout).toBe("old\n");

    const overwritten = await coffer(["import", file, "--env", env, "--on-conflict", "overwrite"]);
    expect(overwritten.stdout).toContain("created 0 secrets, updated 2, skipped 0");
    expect((await coffer(["secrets", "get", "EXISTING", "--env", env])).stdout).toBe("new\n");
  });

  it("imports JSON and YAML with fields, and writes nothing when one item is invalid", async () => {
    const env = await freshEnv();
    const json = join(dir, "good.json");
    await writeFile(json, JSON.stringify({ ONE: "1", "svc/db": { user: "u", password: "p" } }));
    expect((await coffer(["import", json, "--env", env])).code).toBe(0);
    const yaml = join(dir, "good.yaml");
    await writeFile(yaml, "TWO: two\nPORT: 8080\nsvc/cache:\n  url: redis://x\n");
    expect((await coffer(["import", yaml, "--env", env])).code).toBe(0);
    const list = JSON.parse((await coffer(["secrets", "list", "--env", env, "--json"])).stdout);
    expect(list.secrets.map((s: { key: string }) => s.key).sort()).toEqual([
      "ONE",
      "PORT",
      "TWO",
      "svc/cache",
      "svc/db",
    ]);

    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ GOOD: "g", "9bad": "b" }));
    const result = await coffer(["import", bad, "--env", env]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('key "9bad"');
    expect((await coffer(["secrets", "list", "--env", env, "--json"])).stdout).not.toContain("GOOD");
  });

  it("imports 100,000 secrets in one command", async () => {
    const env = await freshEnv();
    const file = join(dir, "big.env");
    const lines = Array.from({ length: 100_000 }, (_, i) => `KEY_${i}=value-${i}\n`);
    await writeFile(file, lines.join(""));
    const result = await coffer(["import", file, "--env", env, "--json"], {}, 120_000);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.created).toHaveLength(100_000);
    expect(summary.requests).toBe(20);
    const check = await coffer(["run", "--env", env, "--only", "KEY_99999", "--", ...hashOf("KEY_99999")]);
    expect(check.stdout).toBe(sha("value-99999"));
  }, 120_000);
});
