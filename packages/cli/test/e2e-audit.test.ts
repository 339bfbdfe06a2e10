// People, members and the audit log through the real executable against `coffer serve --dev`: the
// trail member changes leave, its export for a SIEM, and `audit verify` catching an edited event.

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliInput, type CliResult, runBinary, startBinary } from "./run-cli.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

const ROOT_TOKEN = `coffer_test_root_${randomBytes(16).toString("hex")}`;
const PASSWORD = `canary-password-${randomBytes(8).toString("hex")}`;

interface ExportedEvent {
  seq: number;
  id: string;
  action: string;
  project: string | null;
  details: Record<string, unknown>;
}

let workDir: string;
let dataDir: string;
let server: ServerProcess;

/** The same data directory, hence the same dev master key (kept in it) and the same root token. */
function startDevServer(): Promise<ServerProcess> {
  return startServer(["--dev", "--port", "0", "--data-dir", dataDir, "--dev-root-token", ROOT_TOKEN], {});
}

/** `coffer …` as the root token, with `payments` as the default project. */
function coffer(argv: string[], input: CliInput = {}): Promise<CliResult> {
  const env = { COFFER_ADDR: server.url, COFFER_TOKEN: ROOT_TOKEN, COFFER_PROJECT: "payments", ...input.env };
  return runBinary(argv, { ...input, env });
}

function jsonLines(text: string): ExportedEvent[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ExportedEvent);
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "coffer-cli-audit-"));
  dataDir = join(workDir, "data");
  server = await startDevServer();
}, 30_000);

afterAll(async () => {
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 15_000);

describe("people and members", { timeout: 30_000 }, () => {
  let userId: string;

  it("verifies the audit log of a fresh instance as intact", async () => {
    const result = await coffer(["audit", "verify"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Audit log intact: \d+ events? checked\.\n$/);
  });

  it("creates a user with a password read from stdin, and never prints the password", async () => {
    expect(await coffer(["projects", "create", "payments"])).toMatchObject({ code: 0 });
    const created = await coffer(
      ["users", "create", "dev@example.com", "--name", "Dev", "--password-stdin"],
      {
        stdin: `${PASSWORD}\n`,
      },
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created user 'dev@example.com' \(id \S+\)\.\n$/);
    userId = /\(id (\S+)\)/.exec(created.stdout)![1]!;

    const list = await coffer(["users", "list"]);
    expect(list.stdout).toMatch(/^ID\s+EMAIL\s+NAME\s+ADMIN\s+CREATED$/m);
    expect(list.stdout).toMatch(new RegExp(`^${userId}\\s+dev@example\\.com\\s+Dev\\s+-\\s`, "m"));
    expect(created.stdout + created.stderr + list.stdout).not.toContain(PASSWORD);
  });

  it("adds the user to a project with a role and an extra permission", async () => {
    const added = await coffer([
      "members",
      "add",
      "dev@example.com",
      "--role",
      "developer",
      "--permission",
      "secrets:reveal",
    ]);
    expect(added).toEqual({
      code: 0,
      stdout: "Added dev@example.com to project 'payments' as developer + secrets:reveal.\n",
      stderr: "",
    });
    const list = await coffer(["members", "list"]);
    expect(list.stdout).toMatch(/^USER ID\s+EMAIL\s+NAME\s+ROLE\s+PERMISSIONS\s+ADDED$/m);
    expect(list.stdout).toMatch(
      new RegExp(`^${userId}\\s+dev@example\\.com\\s+Dev\\s+developer\\s+secrets:reveal\\s`, "m"),
    );
  });

  it("shows the member.add event in audit tail, after the events that preceded it", async () => {
    const tail = await coffer(["audit", "tail"]);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toMatch(/^TIME\s+OUTCOME\s+ACTOR\s+ACTION\s+TARGET\s+VERSION$/m);
    expect(tail.stdout).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+success\s+dev-root\s+member\.add\s+payments\s+-$/m,
    );
    const actions = [...tail.stdout.matchAll(/\s(project\.create|user\.create|member\.add)\s/g)].map(
      (m) => m[1],
    );
    expect(actions).toEqual(["project.create", "user.create", "member.add"]);

    const json = jsonLines((await coffer(["audit", "tail", "--json", "--action", "member.add"])).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({
      action: "member.add",
      project: "payments",
      details: { email: "dev@example.com" },
    });
  });

  it("changes a member's role and permissions, then removes the member", async () => {
    const updated = await coffer(["members", "update", userId, "--role", "viewer", "--no-permissions"]);
    expect(updated).toMatchObject({
      code: 0,
      stdout: "Updated dev@example.com in project 'payments': now viewer.\n",
    });
    expect(await coffer(["members", "remove", userId])).toMatchObject({
      code: 0,
      stdout: `Removed user ${userId} from project 'payments'.\n`,
    });
    expect((await coffer(["members", "list"])).stdout).toBe("No members.\n");
  });

  it("reports an unknown role as the server's error, with exit code 1", async () => {
    const result = await coffer(["members", "add", "dev@example.com", "--role", "boss"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: .*roles are owner, admin, developer, viewer/);
  });

  it("follows new events until interrupted, then exits 0", async () => {
    const env = { COFFER_ADDR: server.url, COFFER_TOKEN: ROOT_TOKEN };
    const tail = startBinary(["audit", "tail", "--follow", "--json", "--action", "member.add", "-n", "1"], {
      env,
    });
    try {
      await tail.waitFor(() => tail.stderr().includes("press Ctrl-C to stop"));
      expect(jsonLines(tail.stdout())).toHaveLength(1);
      expect(await coffer(["members", "add", "dev@example.com", "--role", "viewer"])).toMatchObject({
        code: 0,
      });
      await tail.waitFor(() => jsonLines(tail.stdout()).length === 2);
      tail.child.kill("SIGINT");
      expect(await tail.exited).toBe(0);
      const [first, second] = jsonLines(tail.stdout());
      expect(second!.seq).toBeGreaterThan(first!.seq);
      expect(second).toMatchObject({ action: "member.add", details: { role: "viewer" } });
    } finally {
      tail.child.kill("SIGKILL");
    }
  });

  it("deletes a user only with --yes", async () => {
    expect((await coffer(["users", "delete", userId])).code).toBe(2);
    expect(await coffer(["users", "delete", userId, "--yes"])).toMatchObject({ code: 0 });
    expect((await coffer(["users", "list"])).stdout).not.toContain("dev@example.com");
  });
});

describe("exporting the audit log", { timeout: 30_000 }, () => {
  it("writes every event as one JSON object per line, oldest first, without the password", async () => {
    const result = await coffer(["audit", "export", "--format", "jsonl"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const events = jsonLines(result.stdout);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.action)).toEqual(
      expect.arrayContaining([
        "project.create",
        "user.create",
        "member.add",
        "member.update",
        "member.remove",
      ]),
    );
    expect(result.stdout).not.toContain(PASSWORD);
  });

  it("narrows an export by project and by time", async () => {
    const payments = jsonLines((await coffer(["audit", "export", "--project", "payments"])).stdout);
    expect(payments.length).toBeGreaterThan(0);
    expect(payments.every((event) => event.project === "payments")).toBe(true);

    const future = await coffer(["audit", "export", "--since", "2999-01-01"]);
    expect(future).toEqual({ code: 0, stdout: "", stderr: "" });
    const past = await coffer(["audit", "export", "--until", "2000-01-01T00:00:00Z"]);
    expect(past.stdout).toBe("");
  });

  it("writes an export to a new file readable only by its owner, and never overwrites one", async () => {
    const file = join(workDir, "audit.jsonl");
    const result = await coffer(["audit", "export", "--format", "jsonl", "--out", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Exported \d+ events to .*audit\.jsonl \(mode 0600\)\.\n$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const content = await readFile(file, "utf8");
    expect(jsonLines(content)[0]?.seq).toBe(1);

    const again = await coffer(["audit", "export", "--out", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("refusing to overwrite");
    expect(await readFile(file, "utf8")).toBe(content);
  });
});

describe("verifying the audit log", { timeout: 60_000 }, () => {
  it("exits 1 naming the event whose action was edited in the database file", async () => {
    const second = jsonLines((await coffer(["audit", "export"])).stdout)[1]!;
    expect(second.seq).toBe(2);
    expect(await server.stop()).toBe(0);

    const db = new DatabaseSync(join(dataDir, "coffer.db"));
    try {
      db.prepare("UPDATE audit_events SET action = 'x' WHERE seq = 2").run();
    } finally {
      db.close();
    }
    server = await startDevServer();

    const result = await coffer(["audit", "verify"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^Audit log BROKEN at event #2 \\(${second.id}\\): .+\\.\\n$`));

    const json = await coffer(["audit", "verify", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, brokenAt: { seq: 2, id: second.id } });
  });
});
