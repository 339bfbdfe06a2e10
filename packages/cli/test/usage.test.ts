// How the CLI reads its command line, without a server: help, version, usage errors and exit codes.

import { describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { runBinary, runInProcess } from "./run-cli.ts";

const TOKEN_ENV = { COFFER_TOKEN: "coffer_test", COFFER_ADDR: "http://127.0.0.1:9" };

describe("help and version", () => {
  it("prints the version with --version and exits 0", async () => {
    const result = await runInProcess(["--version"]);
    expect(result).toEqual({ code: 0, stdout: `coffer ${packageJson.version}\n`, stderr: "" });
  });

  it("lists every command in the top-level help", async () => {
    const result = await runInProcess(["--help"]);
    expect(result.code).toBe(0);
    for (const command of [
      "serve",
      "keygen",
      "projects",
      "envs",
      "secrets",
      "tokens",
      "users",
      "members",
      "audit",
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
    expect(result.stdout).toContain("COFFER_ADDR");
  });

  it("lists a group's commands with `coffer secrets --help`", async () => {
    const result = await runInProcess(["secrets", "--help"]);
    expect(result.code).toBe(0);
    for (const command of ["list", "get", "set", "delete", "versions", "rollback"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
  });

  it("describes a command's arguments and options with `--help` after it, even without its arguments", async () => {
    const result = await runInProcess(["secrets", "set", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: coffer secrets set KEY [VALUE] [options]");
    expect(result.stdout).toMatch(/--value-stdin/);
    expect(result.stdout).toMatch(/--field NAME=VALUE .*\(repeatable\)/);
    expect(result.stdout).toMatch(/-p, --project SLUG/);
  });

  it("has help for every command of every group", async () => {
    const groups = {
      projects: ["list", "create", "delete"],
      envs: ["list", "create", "delete"],
      secrets: ["list", "get", "set", "delete", "versions", "rollback"],
      tokens: ["create", "list", "revoke"],
      users: ["list", "create", "delete"],
      members: ["list", "add", "update", "remove"],
      audit: ["verify", "tail", "export"],
    };
    for (const [group, commands] of Object.entries(groups)) {
      for (const command of commands) {
        const result = await runInProcess([group, command, "-h"]);
        expect(result.code, `${group} ${command}`).toBe(0);
        expect(result.stdout).toContain(`Usage: coffer ${group} ${command}`);
      }
    }
  });

  it("shows the server's flags with `serve --help` without starting a server", async () => {
    const result = await runInProcess(["serve", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--dev-root-token");
    expect(result.stdout).toMatch(/--data-dir DIR/);
  });
});

describe("usage errors exit with 2 and a short usage on stderr", () => {
  it("no command at all", async () => {
    const result = await runInProcess([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Usage: coffer <command>");
  });

  it("an unknown command", async () => {
    const result = await runInProcess(["secret", "list"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Error: unknown command 'secret'");
  });

  it("an unknown command in a group", async () => {
    const result = await runInProcess(["secrets", "show", "X"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'secrets show'");
    expect(result.stderr).toContain("Usage: coffer secrets list|get|set|delete|versions|rollback");
  });

  it("a group without its command", async () => {
    const result = await runInProcess(["tokens"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing tokens command");
  });

  it("an unknown flag", async () => {
    const result = await runInProcess(["secrets", "list", "--bogus"], { env: TOKEN_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Error: Unknown option '--bogus'\n/);
    expect(result.stderr).toContain("Usage: coffer secrets list [options]");
  });

  it("a flag without its value", async () => {
    const result = await runInProcess(["secrets", "list", "--prefix"], { env: TOKEN_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--prefix");
  });

  it("a missing argument", async () => {
    const result = await runInProcess(["secrets", "get", "-p", "app", "-e", "dev"], { env: TOKEN_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Error: missing argument");
    expect(result.stderr).toContain("Usage: coffer secrets get KEY [options]");
  });

  it("one argument too many", async () => {
    const result = await runInProcess(["secrets", "rollback", "A", "1", "2"], { env: TOKEN_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unexpected argument '2'");
  });

  it("a version that is not a positive integer", async () => {
    const env = { ...TOKEN_ENV, COFFER_PROJECT: "app", COFFER_ENV: "dev" };
    const result = await runInProcess(["secrets", "rollback", "A", "two"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("VERSION must be a positive integer");
  });

  it("no token in COFFER_TOKEN, --token or a stored login", async () => {
    const result = await runInProcess(["projects", "list"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no API token: run 'coffer login', set COFFER_TOKEN or pass --token");
  });

  it("no project for a command that works in one", async () => {
    const result = await runInProcess(["secrets", "list", "-e", "dev"], { env: TOKEN_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no project: pass --project/-p or set COFFER_PROJECT");
  });

  it("no environment for a secrets command", async () => {
    const result = await runInProcess(["secrets", "list", "-p", "app"], { env: TOKEN_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no environment: pass --env/-e or set COFFER_ENV");
  });
});

describe("secrets set reads its value one way only", () => {
  const env = { ...TOKEN_ENV, COFFER_PROJECT: "app", COFFER_ENV: "dev" };

  it("refuses a VALUE together with --value-stdin", async () => {
    const result = await runInProcess(["secrets", "set", "K", "v", "--value-stdin"], { env, stdin: "x" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("give the value one way only");
  });

  it("refuses an empty stdin, which an update would read as 'keep the current value'", async () => {
    const result = await runInProcess(["secrets", "set", "K", "--value-stdin"], { env, stdin: "\n" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("stdin was empty");
  });

  it("refuses a --field without '=' and does not echo it, as it may be a value", async () => {
    const result = await runInProcess(["secrets", "set", "K", "--field", "sk_live_canary"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--field expects NAME=VALUE");
    expect(result.stderr).not.toContain("sk_live_canary");
  });

  it("refuses a set with nothing to set", async () => {
    const result = await runInProcess(["secrets", "set", "K"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("nothing to set");
  });
});

describe("tokens create checks its scope before asking the server", () => {
  const create = (...argv: string[]) => runInProcess(["tokens", "create", ...argv], { env: TOKEN_ENV });

  it("requires a name, a project and a permission", async () => {
    expect((await create("-p", "app", "--permission", "admin")).stderr).toContain("--name is required");
    expect((await create("--name", "ci", "--permission", "admin")).stderr).toContain(
      "at least one --project",
    );
    const result = await create("--name", "ci", "-p", "app");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("at least one --permission");
  });

  it("refuses an expiry it cannot read", async () => {
    const result = await create("--name", "ci", "-p", "app", "--permission", "admin", "--expires", "soon");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--expires expects a duration (12h, 30d, 2w) or an ISO date");
  });
});

describe("people and audit commands check their flags before asking the server", () => {
  const run = (argv: string[], stdin?: string) =>
    runInProcess(argv, {
      env: { ...TOKEN_ENV, COFFER_PROJECT: "app" },
      ...(stdin === undefined ? {} : { stdin }),
    });

  it("refuses a user without --password-stdin, or with an empty stdin", async () => {
    const withoutFlag = await run(["users", "create", "dev@example.com"]);
    expect(withoutFlag.code).toBe(2);
    expect(withoutFlag.stderr).toContain("--password-stdin is required");
    const empty = await run(["users", "create", "dev@example.com", "--password-stdin"], "\n");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("stdin was empty");
  });

  it("requires a role to add a member, and a change to update one", async () => {
    expect((await run(["members", "add", "dev@example.com"])).stderr).toContain("--role is required");
    expect((await run(["members", "update", "u1"])).stderr).toContain("nothing to update");
    const both = await run(["members", "update", "u1", "--permission", "secrets:reveal", "--no-permissions"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("not both");
  });

  it("refuses an export format, a time, an outcome or a limit it cannot use", async () => {
    const cases: Array<[string[], string]> = [
      [["audit", "export", "--format", "csv"], "--format must be jsonl"],
      [["audit", "export", "--since", "yesterday"], "--since expects an ISO date"],
      [["audit", "export", "--until", "2025-13-45"], "--until expects an ISO date"],
      [["audit", "tail", "--outcome", "failed"], "--outcome must be success, denied or error"],
      [["audit", "tail", "-n", "0"], "--limit must be a positive integer"],
    ];
    for (const [argv, message] of cases) {
      const result = await run(argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});

describe("deleting needs a confirmation", () => {
  const env = { ...TOKEN_ENV, COFFER_PROJECT: "app", COFFER_ENV: "dev" };

  it("is a usage error without --yes when stdin is not a terminal", async () => {
    const result = await runInProcess(["secrets", "delete", "K"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("pass --yes");
  });

  it("asks on a terminal, and does nothing when the answer is not yes", async () => {
    const result = await runInProcess(["secrets", "delete", "K"], { env, tty: true, stdin: "n\n" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Delete secret 'K' from app/dev with all its versions?");
    expect(result.stderr).toContain("Error: cancelled: nothing was deleted");
  });

  it("goes ahead on a terminal when the answer is yes", async () => {
    // Nothing listens on port 9: reaching the network error proves the deletion was attempted.
    const result = await runInProcess(["secrets", "delete", "K"], { env, tty: true, stdin: "y\n" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Could not reach Coffer at http://127.0.0.1:9");
    expect(result.stderr).toContain("Set COFFER_ADDR or pass --addr");
  });

  it("applies to projects, environments and users too", async () => {
    expect((await runInProcess(["projects", "delete", "app"], { env })).code).toBe(2);
    expect((await runInProcess(["envs", "delete", "dev"], { env })).code).toBe(2);
    expect((await runInProcess(["users", "delete", "u1"], { env })).code).toBe(2);
  });
});

describe("where the CLI finds its settings", () => {
  it("accepts connection flags before the command", async () => {
    const result = await runInProcess([
      "--addr",
      "http://127.0.0.1:9",
      "--token",
      "coffer_x",
      "projects",
      "list",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Could not reach Coffer at http://127.0.0.1:9");
  });

  it("prefers --addr over COFFER_ADDR", async () => {
    const env = { COFFER_TOKEN: "coffer_x", COFFER_ADDR: "http://127.0.0.1:1" };
    const result = await runInProcess(["projects", "list", "--addr", "http://127.0.0.1:9"], { env });
    expect(result.stderr).toContain("http://127.0.0.1:9");
  });

  it("rejects an address that is not a URL as a usage error", async () => {
    const result = await runInProcess(["projects", "list"], {
      env: { COFFER_TOKEN: "x", COFFER_ADDR: "localhost" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'localhost' is not a URL");
  });
});

describe("the executable", () => {
  it("exits with the code of the command it ran", async () => {
    expect((await runBinary(["--version"])).code).toBe(0);
    expect((await runBinary(["nope"])).code).toBe(2);
    expect((await runBinary(["projects", "list"], { env: TOKEN_ENV })).code).toBe(1);
  });
});
