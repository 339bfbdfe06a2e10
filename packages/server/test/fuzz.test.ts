// Fuzzing: every operation of /openapi.json (and the Vault-compatible API beside it) gets thousands of generated
// requests — schema-valid bodies, near misses, malformed JSON, wrong types and content types, huge and deeply
// nested bodies, odd Unicode, NUL bytes, traversal in path parameters, garbage credentials — against a server
// holding real projects, secrets, connections, people and tokens. No answer may be a 5xx, every 4xx carries the
// error shape of its API, and the server stays up. Seeded and reproducible: a failure prints the seed, the
// fast-check path and the offending request.
//
// The server is a real `coffer serve` process: a crash ends it visibly (and it gets a core of its own, away from
// the request generator). Its warnings and errors are on its output, which must hold no error at the end.
//
// Where the contract says otherwise, the checks follow it (fuzz/oracle.ts, fuzz/raw-http.ts): under /vault/v1/ a 4xx
// has Vault's shape `{ errors: [...] }`, or is one of Vault's raw 404s; sys/health answers the status `activecode`
// asks for; a body over the limit may be refused by closing the connection; a HEAD answer has no body. The proxy's
// upstream always answers 200, so any other status from the proxy is Coffer's own and checked like the rest.
//
// COFFER_FUZZ_SEED (default below), COFFER_FUZZ_RUNS (requests per operation: 1000 on SQLite, 250 on PostgreSQL),
// COFFER_FUZZ_PATH (replay a counterexample), COFFER_FUZZ_SHRINK=1 (shrink a failure instead of stopping at it).
import { rmSync } from "node:fs";
import { generateMasterKey } from "@coffer/server";
import { afterAll, describe, expect, it } from "vitest";
import { createFuzzClient } from "./fuzz/client.ts";
import { valueHints } from "./fuzz/hints.ts";
import { type Operation, operationsOf } from "./fuzz/operations.ts";
import { rawRequestArbitrary, sendRaw } from "./fuzz/raw-http.ts";
import { requestArbitrary } from "./fuzz/requests.ts";
import { type FuzzSettings, fuzzOperation, fuzzRawHttp } from "./fuzz/runner.ts";
import { VAULT_OPERATION, vaultRequestArbitrary } from "./fuzz/vault-requests.ts";
import { createWorld, startOkUpstream } from "./fuzz/world.ts";
import { databaseEnv, ON_POSTGRES, rawSql, schemaOf, tempDir } from "./helpers.ts";
import { startNode } from "./nodes.ts";

const DEFAULT_SEED = 20_251_123;
const BODY_LIMIT_BYTES = 1024 * 1024;

function integerSetting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not "${text}"`);
  return value;
}

const upstream = await startOkUpstream();
const dataDir = tempDir("coffer-fuzz-");
const node = await startNode(["--data-dir", dataDir], {
  COFFER_MASTER_KEY: generateMasterKey(),
  COFFER_PROXY_ALLOW_LOOPBACK: "1",
  COFFER_MAX_BODY_BYTES: String(BODY_LIMIT_BYTES),
  ...databaseEnv(dataDir),
});
const rootToken = /Root token: {2}(coffer_\S+)/.exec(node.output())?.[1] ?? "";

/** Errors the server logged (pino level 50 or 60): each is a bug even when the caller got a 4xx. */
const loggedErrors = () =>
  node
    .output()
    .split("\n")
    .filter((line) => /"level":(50|60)/.test(line));

/** For a failure message: whether the process ended (a crash shows first as broken connections), or logged errors. */
async function serverState(): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (node.child.exitCode !== null || node.child.signalCode !== null) {
    const { exitCode, signalCode } = node.child;
    return `The server process exited (code ${exitCode}, signal ${signalCode}); its last output:\n${node.output().slice(-2000)}`;
  }
  const errors = loggedErrors();
  return errors.length === 0
    ? ""
    : `The server logged errors:\n${errors.slice(-3).join("\n").slice(0, 2000)}`;
}

const project = ON_POSTGRES ? "postgres" : "sqlite";
const escapeForPattern = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const settings: FuzzSettings = {
  seed: integerSetting("COFFER_FUZZ_SEED", DEFAULT_SEED),
  runs: integerSetting("COFFER_FUZZ_RUNS", ON_POSTGRES ? 250 : 1000),
  batch: 12,
  bodyLimitBytes: BODY_LIMIT_BYTES,
  path: process.env["COFFER_FUZZ_PATH"] || undefined,
  shrink: process.env["COFFER_FUZZ_SHRINK"] === "1",
  serverState,
  reproduce: (operation, seed, path) =>
    `COFFER_FUZZ_SEED=${seed} COFFER_FUZZ_PATH=${path} npx vitest run --project ${project} ` +
    `packages/server/test/fuzz.test.ts -t '${escapeForPattern(operation)}$'`,
};

const client = createFuzzClient(node.url);
const document = (await client.json("GET", "/openapi.json", undefined, {})).body;
const world = await createWorld(client, rootToken, upstream.url);
const hints = valueHints(upstream.url, world.cursors);

/**
 * First while the audit chain, the stored values and the tokens are few: the cost of these grows with them (the
 * fuzzer adds many).
 */
const EARLY = [
  "POST /v1/audit/verify",
  "POST /v1/keys/rotate-data",
  "GET /v1/keys/status",
  "GET /v1/tokens",
  "GET /v1/users",
];
const operations: Operation[] = operationsOf(document).sort(
  (a, b) => (EARLY.indexOf(a.id) + 1 || EARLY.length + 1) - (EARLY.indexOf(b.id) + 1 || EARLY.length + 1),
);

const RAW_HTTP = "raw HTTP: malformed request lines, headers and framing";
/** Path parameters of the fixture, for the raw requests' targets. */
const FIXTURE_PARAMS: Record<string, string> = {
  project: "app",
  env: "development",
  key: "API_KEY",
  version: "1",
  connection: "echo",
  "*": "v1/models",
};

/** Operations whose generated requests got a 2xx at least once. */
const succeeded = new Set<string>();
/**
 * Setup succeeds only with the one-time link printed at start-up; a password change needs the right current
 * password, and the fuzzer's wrong ones lock the account after five tries (the server doing its job).
 */
const SUCCESS_OUT_OF_REACH = ["POST /v1/setup", "POST /v1/auth/password"];

afterAll(async () => {
  await client.close();
  await node.stop();
  await upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (ON_POSTGRES) {
    const sql = await rawSql(dataDir);
    await sql.run(`drop schema if exists ${schemaOf(dataDir)} cascade`);
    await sql.close();
  }
});

// Each of these failed before its fix; the fuzzer found them, these pin them down.
describe("what fuzzing found", () => {
  const admin = { authorization: `Bearer ${rootToken}` };
  const call = (method: string, path: string, body?: unknown) => client.json(method, path, body, admin);

  it("a path that is not valid percent-encoding gets the error shape of its API, without the path quoted", async () => {
    const coffer = await call("GET", "/v1/projects/%ZZsecret-looking-value");
    expect(coffer.status).toBe(400);
    expect(coffer.body.error.code).toBe("validation_error");
    expect(JSON.stringify(coffer.body)).not.toContain("secret-looking-value");
    const vault = await call("GET", "/vault/v1/app/development/data/%E0%A4%A");
    expect(vault.status).toBe(400);
    expect(vault.body.errors).toEqual([expect.any(String)]);
    const long = await call("PATCH", `/v1/projects/${"a".repeat(1100)}`, { name: "x" });
    expect(long.status).toBe(414);
    expect(long.body.error.code).toBe("uri_too_long");
  });

  it("an HTTP/1.1 request without Host, and one with an absolute-form target, get JSON answers from the API", async () => {
    const raw = (requestLine: string, host: string) => {
      const head = [requestLine, host, `Authorization: Bearer ${rootToken}`, "Connection: close"].filter(
        Boolean,
      );
      return sendRaw(node.url, { label: requestLine, bytes: Buffer.from(`${head.join("\r\n")}\r\n\r\n`) });
    };
    const noHost = await raw("GET /v1/projects HTTP/1.1", "");
    expect("error" in noHost ? noHost.error : [noHost.status, JSON.parse(noHost.body).error.code]).toEqual([
      400,
      "validation_error",
    ]);
    const absolute = await raw(`GET ${node.url}/v1/projects HTTP/1.1`, "Host: 127.0.0.1");
    expect(
      "error" in absolute ? absolute.error : [absolute.status, Object.keys(JSON.parse(absolute.body))],
    ).toEqual([200, ["projects"]]);
  });

  it("the same person created by concurrent requests: one 201, the others 409, never a 500", async () => {
    // Both pass the service's existence check while the password hashes; the database keeps one.
    const body = { email: "race@fuzz.test", password: "long-enough-password" };
    const statuses = await Promise.all(Array.from({ length: 4 }, () => call("POST", "/v1/users", body)));
    expect(statuses.map((response) => response.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it("a token expiring after the year 9999 is refused, and the token list stays readable", async () => {
    const body = { name: "far", projects: ["*"], permissions: ["secrets:list"] };
    const far = await call("POST", "/v1/tokens", { ...body, expiresAt: "+010000-01-01T00:00:00Z" });
    expect(far.status).toBe(400);
    expect(far.body.error.details).toEqual({ field: "expiresAt" });
    expect((await call("POST", "/v1/tokens", { ...body, expiresAt: "9999-12-31T00:00:00Z" })).status).toBe(
      201,
    );
    expect((await call("GET", "/v1/tokens")).status).toBe(200);
  });

  it("a Vault delete_version_after longer than Go allows is refused, and the secret's metadata stays readable", async () => {
    const vault = { "x-vault-token": rootToken };
    const path = "/vault/v1/app/development/metadata/ROTATED";
    const far = await client.json("POST", path, { delete_version_after: "99999999999h" }, vault);
    expect(far.status).toBe(400);
    expect(far.body.errors).toEqual([expect.stringContaining("delete_version_after")]);
    expect((await client.json("GET", path, undefined, vault)).status).toBe(200);
  });

  it("NUL characters and numbers past 32 bits are refused with a 400 (PostgreSQL cannot store them; SQLite follows its NUL rule), never a 500", async () => {
    const secrets = "/v1/projects/app/environments/development/secrets";
    const tooLarge = [
      await call("GET", `${secrets}/API_KEY/versions/2147483648/value`),
      await call("POST", `${secrets}/API_KEY/rollback`, { version: 99_999_999_999 }),
    ];
    for (const response of tooLarge) expect(response.status).toBe(400);
    const nul = [
      await call("GET", `${secrets}/a%00b`),
      await call("GET", `${secrets}?search=a%00b`),
      await call("GET", "/v1/audit?actor=a%00b"),
      await call("POST", "/v1/users", { email: "nul@fuzz.test\u0000", password: "long-enough-password" }),
      await client.json("GET", "/vault/v1/app/development/metadata/a%00b", undefined, {
        "x-vault-token": rootToken,
      }),
    ];
    for (const response of nul) expect(response.status).toBe(400);
    // A value is stored as a ciphertext, so it may hold NUL on either backend.
    const withNul = `before\u0000after`;
    const created = await call("POST", secrets, { key: "NUL_VALUE", value: withNul });
    expect(created.status).toBe(201);
    const revealed = await call("GET", `${secrets}/NUL_VALUE/value`);
    expect(revealed.body.data.value).toBe(withNul);
  });
});

describe(`fuzzing every operation (seed ${settings.seed}, ${settings.runs} requests each)`, () => {
  it("the OpenAPI document lists the API's operations", () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.some((operation) => operation.body !== undefined)).toBe(true);
  });

  for (const operation of operations) {
    it(operation.id, async () => {
      const arbitrary = requestArbitrary(operation, hints, BODY_LIMIT_BYTES);
      const { statuses } = await fuzzOperation(client, world, operation.id, arbitrary, settings);
      if ([...statuses.keys()].some((status) => status >= 200 && status < 300)) succeeded.add(operation.id);
    });
  }

  // Not in /openapi.json: its contract is Vault's, and so is its error shape ({ errors: [...] }).
  it(VAULT_OPERATION, async () => {
    await fuzzOperation(client, world, VAULT_OPERATION, vaultRequestArbitrary(), settings);
  });

  // Below the HTTP client library: bytes it would refuse to send, on connections of their own.
  it(RAW_HTTP, async () => {
    const paths = operations.map((operation) =>
      operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => FIXTURE_PARAMS[name] ?? "x"),
    );
    const arbitrary = rawRequestArbitrary([...paths, "/vault/v1/app/development/data/API_KEY"], rootToken);
    await fuzzRawHttp(node.url, RAW_HTTP, arbitrary, Math.ceil(settings.runs / 4), settings);
  });

  // Guards the fuzzer itself: a broken fixture would turn every request into a 404 and the run into a formality.
  it.skipIf(settings.runs < 100)("the requests reached the success path of (nearly) every operation", () => {
    const missed = operations
      .map((operation) => operation.id)
      .filter((id) => !succeeded.has(id) && !SUCCESS_OUT_OF_REACH.includes(id));
    expect(missed).toEqual([]);
  });

  it("the server is still up and logged no error", async () => {
    expect(node.child.exitCode).toBeNull();
    expect((await client.json("GET", "/healthz", undefined, {})).status).toBe(200);
    expect((await client.json("GET", "/readyz", undefined, {})).status).toBe(200);
    expect(loggedErrors().map((line) => line.slice(0, 500))).toEqual([]);
  });
});
