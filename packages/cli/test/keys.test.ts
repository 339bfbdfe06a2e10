// `coffer keys …`, `coffer backup` and `coffer restore`: their help and usage errors, the progress display of a
// data-key rotation, and the commands against a real server driven through the real executable.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Coffer, KeysStatus } from "@coffer/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  followReencryption,
  type ProgressTiming,
  progressBar,
} from "../src/commands/reencryption-progress.ts";
import { type CliInput, type CliResult, runBinary, runInProcess } from "./run-cli.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

describe("help and usage errors", () => {
  it("lists keys, backup and restore in the top-level help, and the keys commands in theirs", async () => {
    const top = await runInProcess(["--help"]);
    for (const command of ["keys", "backup", "restore"])
      expect(top.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    const group = await runInProcess(["keys", "--help"]);
    expect(group.code).toBe(0);
    for (const command of ["rotate-master", "rotate-data", "status"]) {
      expect(group.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
  });

  it("shows the server's own usage for the commands that work on the database", async () => {
    const cases = {
      "keys rotate-master":
        "Usage: coffer keys rotate-master [--data-dir DIR] [--old-key-stdin | --new-key-stdin]",
      backup: "Usage: coffer backup --out FILE [--data-dir DIR]",
      restore: "Usage: coffer restore --in FILE [--data-dir DIR] [--force]",
    };
    for (const [command, usage] of Object.entries(cases)) {
      const result = await runInProcess([...command.split(" "), "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith(`${usage}\n`)).toBe(true);
    }
    const rotateData = await runInProcess(["keys", "rotate-data", "--help"]);
    expect(rotateData.stdout).toMatch(/--no-wait/);
    expect(rotateData.stdout).toMatch(/-p, --project SLUG/);
  });

  it("exits 2 with a short usage on a missing or unknown flag", async () => {
    expect(await runInProcess(["backup"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: --out FILE is required\nUsage: coffer backup [options]\nRun 'coffer backup --help' for details.\n",
    });
    const unknown = await runInProcess(["restore", "--in", "x", "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Error: Unknown option '--bogus'\n/);
    const both = await runInProcess(["keys", "rotate-master", "--old-key-stdin", "--new-key-stdin"]);
    expect(both.code).toBe(2);
    expect((await runInProcess(["keys", "rotate-data", "extra"], { env: { COFFER_TOKEN: "t" } })).code).toBe(
      2,
    );
  });

  it("exits 1 with the operator's message when the configuration is wrong", async () => {
    const result = await runInProcess(["keys", "rotate-master", "--data-dir", "/nonexistent/coffer"], {
      env: { COFFER_MASTER_KEY: "a-new-passphrase-long-enough" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "Error: No old master key: set COFFER_MASTER_KEY_PREVIOUS (or _FILE), or use --old-key-stdin\n",
    );
  });
});

describe("the re-encryption progress", () => {
  const statusWith = (onOld: number, onNew: number, running: boolean): KeysStatus => ({
    projects: [
      {
        project: "pay",
        activeVersion: 2,
        versions: [
          ...(onOld > 0 ? [{ version: 1, active: false, values: onOld }] : []),
          { version: 2, active: true, values: onNew },
        ],
      },
      { project: "other", activeVersion: 1, versions: [{ version: 1, active: true, values: 99 }] },
    ],
    rotation: { running, remaining: onOld },
  });
  /** A client whose status walks through `statuses` (the last one repeats), and a clock that polls advance. */
  const scripted = (statuses: KeysStatus[]) => {
    let clock = 0;
    let polls = 0;
    const coffer = { keys: { status: async () => statuses[Math.min(polls++, statuses.length - 1)]! } };
    const timing: ProgressTiming = {
      pollMs: 500,
      lineEveryMs: 1_000,
      stalledAfterMs: 3_000,
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
    };
    return { coffer: coffer as unknown as Coffer, timing };
  };
  const writer = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, out: { isTTY, write: (chunk: string) => chunks.push(chunk) } };
  };
  const run = [statusWith(300, 0, true), statusWith(200, 100, true), statusWith(100, 200, true)];

  it("draws a bar rewritten in place on a terminal, counting only the rotated projects", async () => {
    const { coffer, timing } = scripted([...run, statusWith(0, 300, true), statusWith(0, 300, false)]);
    const { chunks, out } = writer(true);
    expect(await followReencryption(coffer, ["pay"], out, timing)).toBe(300);
    expect(chunks).toEqual([
      `\r${progressBar(0, 300)}\x1b[K`,
      `\r${progressBar(100, 300)}\x1b[K`,
      `\r${progressBar(200, 300)}\x1b[K`,
      `\r${progressBar(300, 300)}\x1b[K`,
      `\r${progressBar(300, 300)}\x1b[K\n`,
    ]);
    expect(progressBar(100, 300)).toBe("Re-encrypting [##########--------------------]  33%  100/300 values");
  });

  it("writes a plain line at most every so often without a terminal, and always the last one", async () => {
    const { coffer, timing } = scripted([...run, statusWith(0, 300, false)]);
    const { chunks, out } = writer(false);
    await followReencryption(coffer, ["pay"], out, timing);
    expect(chunks).toEqual([
      `${progressBar(0, 300)}\n`,
      `${progressBar(200, 300)}\n`,
      `${progressBar(300, 300)}\n`,
    ]);
  });

  it("gives up when the server stopped re-encrypting with values left", async () => {
    const { coffer, timing } = scripted([statusWith(300, 0, true), statusWith(250, 50, false)]);
    const { out } = writer(false);
    await expect(followReencryption(coffer, ["pay"], out, timing)).rejects.toThrow(
      /stopped re-encrypting with 250 values left .*resumes when the server restarts/,
    );
  });
});

describe("against a server", { timeout: 60_000 }, () => {
  const ROOT_TOKEN = `coffer_test_root_${randomBytes(16).toString("hex")}`;
  const firstKey = randomBytes(32).toString("base64");
  const secondKey = randomBytes(32).toString("base64");
  let workDir: string;
  let dataDir: string;
  let server: ServerProcess;

  const startWithKey = (key: string) =>
    startServer(["--dev", "--port", "0", "--data-dir", dataDir, "--dev-root-token", ROOT_TOKEN], {
      COFFER_MASTER_KEY: key,
    });
  const coffer = (argv: string[], input: CliInput = {}): Promise<CliResult> =>
    runBinary(argv, {
      ...input,
      env: {
        COFFER_ADDR: server.url,
        COFFER_TOKEN: ROOT_TOKEN,
        COFFER_PROJECT: "pay",
        COFFER_ENV: "production",
        ...input.env,
      },
    });

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "coffer-cli-keys-"));
    dataDir = join(workDir, "data");
    server = await startWithKey(firstKey);
    expect((await coffer(["projects", "create", "pay"])).code).toBe(0);
    for (const key of ["A", "B", "C"])
      expect((await coffer(["secrets", "set", key, `value-${key}`])).code).toBe(0);
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 15_000);

  it("shows the key versions, rotates a project's data key with a progress line, and retires the old version", async () => {
    const before = await coffer(["keys", "status"]);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^PROJECT\s+VERSION\s+ACTIVE\s+VALUES$/m);
    expect(before.stdout).toMatch(/^pay\s+1\s+yes\s+3$/m);

    const rotated = await coffer(["keys", "rotate-data", "--project", "pay"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toBe(
      "New data key version for 1 project (pay).\nDone: all 3 values sealed with the new key version.\n",
    );
    expect(rotated.stderr.trimEnd().split("\n").at(-1)).toBe(progressBar(3, 3));

    const after = await coffer(["keys", "status"]);
    expect(after.stdout).toMatch(/^pay\s+2\s+yes\s+3$/m);
    expect(after.stdout).not.toMatch(/^pay\s+1\s/m);
    expect((await coffer(["secrets", "get", "B"])).stdout).toBe("value-B\n");
  });

  it("returns at once with --no-wait, and status --json follows the rotation", async () => {
    const started = await coffer(["keys", "rotate-data", "--no-wait"]);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^New data key version for 1 project \(pay\)\.\nThe server re-encrypts/);
    let status: KeysStatus;
    do {
      status = JSON.parse((await coffer(["keys", "status", "--json"])).stdout) as KeysStatus;
    } while (status.rotation.remaining > 0 || status.rotation.running);
    expect(status.projects).toEqual([
      { project: "pay", activeVersion: 3, versions: [{ version: 3, active: true, values: 3 }] },
    ]);
  });

  it("refuses key management to a token that is not an instance admin, with exit code 1", async () => {
    const created = await coffer([
      "tokens",
      "create",
      "--name",
      "dev",
      "--project",
      "pay",
      "--permission",
      "secrets:reveal",
      "--json",
    ]);
    const token = (JSON.parse(created.stdout) as { token: string }).token;
    const refused = await coffer(["keys", "status"], { env: { COFFER_TOKEN: token } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: Only instance administrators can see key status/);
  });

  it("rotates the master key on the stopped server's database, the old key read from stdin", async () => {
    await server.stop();
    const env = { COFFER_MASTER_KEY: secondKey, COFFER_DATA_DIR: dataDir };
    const wrong = await runBinary(["keys", "rotate-master", "--old-key-stdin"], {
      env,
      stdin: `${randomBytes(32).toString("base64")}\n`,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Neither the old nor the new master key matches this instance's data");

    const rotated = await runBinary(["keys", "rotate-master", "--old-key-stdin"], {
      env,
      stdin: `${firstKey}\n`,
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^Re-wrapped 1 data key under the new master key in [\d.]+ ms\.\n/);

    server = await startWithKey(secondKey);
    expect((await coffer(["secrets", "get", "A"])).stdout).toBe("value-A\n");
  });
});
