// The leak canary: a random value is stored every way a value can be (single value, field, old version, batch
// import, Vault KV write, the proxy's and the HTTP action's secrets), every route is driven on success and error
// paths, and then the canary — plain, base64 at every alignment (standard and url-safe), hex, percent- and
// form-encoded — is searched for everywhere it could have gone: every answer's body and headers, the logs, the
// audit log (API and `coffer audit export`), the database (files before and after a checkpoint, and every column)
// and a backup. It may appear only in the successful answers of the reveal routes.
//
// Bad input carries the canary where a value goes (values, fields, passwords, presented tokens, templates, bodies,
// numbers and durations), in a name too long to be one, and in a path segment (a value pasted where a key, slug or
// connection name goes, or into a URL no route answers). A short malformed name sent in a body is quoted in its
// validation error by design ("Secret key segment "1bad" must start with a letter", a tested contract of the API
// and the web UI), so the canary is not sent that way.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_POSTGRES, rawSql, schemaOf, startServer, type TestServer, tempDir } from "./helpers.ts";
import { base64Inside, type Canary, type Form, formsIn, leakForms, newCanary } from "./leak/canary.ts";
import { driveConnections, driveHttpAction, driveProxy } from "./leak/drive-egress.ts";
import {
  createCallers,
  driveAccounts,
  driveKeysAndAudit,
  driveProjects,
  driveSetup,
  driveTokensAndMembers,
} from "./leak/drive-identity.ts";
import { driveReferences, driveSecrets, storeCanary } from "./leak/drive-secrets.ts";
import { driveUi } from "./leak/drive-ui.ts";
import { driveVault, VAULT_ROUTES } from "./leak/drive-vault.ts";
import { type Blob, checkpoint, dataFiles, storedColumns } from "./leak/stores.ts";
import { type Exchange, expectStatus, Traffic } from "./leak/traffic.ts";
import { PROJECT, type World } from "./leak/world.ts";
import { runCli } from "./nodes.ts";
import { startEchoUpstream, type Upstream } from "./upstreams.ts";

type Kind = "reveal" | "no value";
const reveal: Kind = "reveal";
const none: Kind = "no value";
const S = "/v1/projects/{project}/environments/{env}";

/**
 * Every route of the OpenAPI document and whether its successful answer may hold a value. A route missing here
 * fails the test: a new route must be driven by this traffic and classified.
 */
const ROUTES: Record<string, Kind> = {
  "GET /healthz": none,
  "GET /readyz": none,
  "POST /v1/setup": none,
  "POST /v1/auth/login": none,
  "POST /v1/auth/logout": none,
  "GET /v1/auth/me": none,
  "POST /v1/auth/password": none,
  "GET /v1/users": none,
  "POST /v1/users": none,
  "DELETE /v1/users/{id}": none,
  "GET /v1/projects": none,
  "POST /v1/projects": none,
  "GET /v1/projects/{project}": none,
  "PATCH /v1/projects/{project}": none,
  "DELETE /v1/projects/{project}": none,
  "GET /v1/projects/{project}/environments": none,
  "POST /v1/projects/{project}/environments": none,
  "DELETE /v1/projects/{project}/environments/{env}": none,
  [`GET ${S}/secrets`]: none,
  [`POST ${S}/secrets`]: none,
  [`POST ${S}/secrets/batch`]: none,
  [`GET ${S}/secrets/{key}`]: none,
  [`PATCH ${S}/secrets/{key}`]: none,
  [`DELETE ${S}/secrets/{key}`]: none,
  // The value of a secret's current version, to a caller holding secrets:reveal (audited).
  [`GET ${S}/secrets/{key}/value`]: reveal,
  [`GET ${S}/secrets/{key}/versions`]: none,
  // The value of an older version: the same reveal, for one version.
  [`GET ${S}/secrets/{key}/versions/{version}/value`]: reveal,
  [`POST ${S}/secrets/{key}/rollback`]: none,
  // Bulk reveal (coffer run, export): every value of an environment.
  [`POST ${S}/values`]: reveal,
  // Renders a template with its references replaced by values: a reveal (needs secrets:reveal, audited per secret).
  [`POST ${S}/resolve`]: reveal,
  [`POST ${S}/references/check`]: none,
  // Uses values without showing them: the upstream's answer comes back redacted.
  [`POST ${S}/http`]: none,
  "GET /v1/projects/{project}/members": none,
  "POST /v1/projects/{project}/members": none,
  "PATCH /v1/projects/{project}/members/{userId}": none,
  "DELETE /v1/projects/{project}/members/{userId}": none,
  "GET /v1/tokens": none,
  "POST /v1/tokens": none,
  "DELETE /v1/tokens/{id}": none,
  "GET /v1/keys/status": none,
  "POST /v1/keys/rotate-data": none,
  "GET /v1/projects/{project}/connections": none,
  "POST /v1/projects/{project}/connections": none,
  "GET /v1/projects/{project}/connections/{connection}": none,
  "PATCH /v1/projects/{project}/connections/{connection}": none,
  "DELETE /v1/projects/{project}/connections/{connection}": none,
  "GET /v1/audit": none,
  "POST /v1/audit/verify": none,
  // The proxy injects values upstream and redacts them from what comes back, on every method.
  ...Object.fromEntries(
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((method) => [
      `${method} /v1/proxy/{project}/{env}/{connection}/{*}`,
      none,
    ]),
  ),
};

/** Vault's KV v2 read (GET …/data/{key}) answers with the secret's data: the Vault API's only reveal. */
const VAULT_KINDS: Record<string, Kind> = Object.fromEntries(
  VAULT_ROUTES.map((route) => [route, route === "VAULT read data" ? reveal : none]),
);

/** Routes a caller cannot make fail: no input, no authentication (/readyz fails only when the database does). */
const NO_ERROR_PATH = new Set(["GET /healthz", "GET /readyz"]);

let coffer: TestServer;
let echo: Upstream;
let traffic: Traffic;
let canary: Canary;
let forms: Form[];
let documentRoutes: string[] = [];
let auditEvents: Exchange[] = [];
let auditExport = "";
const stored: { files: Blob[]; label: string }[] = [];
let columns: Blob[] = [];
let backup: Buffer | undefined;
/** What the coffer commands printed besides the export itself. */
let cliOutput = "";
const scratch = tempDir("coffer-leak-");
let closed = false;

async function closeServer(): Promise<void> {
  if (closed || coffer === undefined) return;
  closed = true;
  await coffer.server.close();
}

/** Whether `exchange` is a successful answer of a reveal route: the only place the canary may be. */
function mayReveal(exchange: Exchange): boolean {
  const kind = ROUTES[exchange.route] ?? VAULT_KINDS[exchange.route];
  return kind === reveal && exchange.status < 300;
}

/** One line per place the canary was found, naming the spellings found there. */
function leaksIn(where: string, haystack: Buffer | string): string[] {
  const found = formsIn(haystack, forms);
  return found.length === 0 ? [] : [`${where}: ${found.join(", ")}`];
}

async function readAuditLog(): Promise<Exchange[]> {
  const pages: Exchange[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await traffic.send("read the whole audit log", "GET", `/v1/audit?limit=1000${query}`);
    expectStatus(page, 200);
    pages.push(traffic.exchanges.at(-1)!);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return pages;
}

beforeAll(async () => {
  canary = newCanary();
  forms = leakForms(canary);
  echo = await startEchoUpstream();
  coffer = await startServer({
    dataDir: join(scratch, "data"),
    env: { COFFER_PROXY_ALLOW_LOOPBACK: "1", COFFER_VAULT_PORT: "0", COFFER_LOG_LEVEL: "trace" },
  });
  traffic = new Traffic(coffer.url, coffer.rootToken);
  const document = await traffic.send("the OpenAPI document", "GET", "/openapi.json", {
    as: { anonymous: true },
  });
  documentRoutes = traffic.useDocument(document.body.paths);

  expectStatus(await traffic.send("health", "GET", "/healthz", { as: { anonymous: true } }), 200);
  expectStatus(await traffic.send("readiness", "GET", "/readyz", { as: { anonymous: true } }), 200);
  await driveSetup(traffic, coffer, canary);
  expectStatus(
    await traffic.send("create the project", "POST", "/v1/projects", { body: { slug: PROJECT } }),
    201,
  );
  expectStatus(
    await traffic.send("create it again", "POST", "/v1/projects", { body: { slug: PROJECT } }),
    409,
  );
  const callers = await createCallers(traffic);
  const world: World = { coffer, traffic, canary, echo, ...callers };

  await storeCanary(world);
  await driveSecrets(world);
  await driveReferences(world);
  await driveConnections(world);
  await driveProxy(world);
  await driveHttpAction(world);
  await driveVault(world);
  await driveUi(world);
  await driveAccounts(world);
  await driveTokensAndMembers(world);
  await driveProjects(world);
  await driveKeysAndAudit(world);
  expectStatus(
    await traffic.send(
      "a route that does not exist, named by a pasted value",
      "GET",
      `/v1/${encodeURIComponent(canary.value)}`,
    ),
    404,
  );

  auditEvents = await readAuditLog();
  const exported = await runCli(["audit", "export", "--format", "jsonl"], {
    COFFER_ADDR: coffer.url,
    COFFER_TOKEN: coffer.rootToken,
    HOME: scratch,
  });
  expect(exported.code, exported.stderr).toBe(0);
  auditExport = exported.stdout;
  cliOutput += exported.stderr;

  stored.push({ label: "with the traffic in the WAL", files: ON_POSTGRES ? [] : dataFiles(coffer.dataDir) });
  columns = await storedColumns(coffer.dataDir);
  await checkpoint(coffer.dataDir);
  stored.push({ label: "after a checkpoint", files: ON_POSTGRES ? [] : dataFiles(coffer.dataDir) });
  if (!ON_POSTGRES) {
    const file = join(scratch, "coffer.snapshot");
    const made = await runCli(["backup", "--out", file, "--data-dir", coffer.dataDir], { HOME: scratch });
    expect(made.code, made.stderr).toBe(0);
    backup = dataFiles(scratch).find((blob) => blob.where === "coffer.snapshot")?.bytes;
    cliOutput += made.stdout + made.stderr;
  }
  await closeServer();
  stored.push({ label: "after the server closed", files: ON_POSTGRES ? [] : dataFiles(coffer.dataDir) });
}, 120_000);

afterAll(async () => {
  await closeServer();
  await echo?.close();
  if (ON_POSTGRES && coffer !== undefined) {
    const sql = await rawSql(coffer.dataDir);
    await sql.run(`drop schema if exists ${schemaOf(coffer.dataDir)} cascade`);
    await sql.close();
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe("the leak canary", () => {
  it("drives every route of the OpenAPI document on a success path and on an error path", () => {
    expect(documentRoutes.filter((route) => ROUTES[route] === undefined)).toEqual([]);
    expect(Object.keys(ROUTES).filter((route) => !documentRoutes.includes(route))).toEqual([]);
    const missing: string[] = [];
    for (const route of [...documentRoutes, ...VAULT_ROUTES]) {
      const answers = traffic.exchanges.filter((exchange) => exchange.route === route);
      if (!answers.some((exchange) => exchange.status < 400)) missing.push(`${route}: no success`);
      if (!NO_ERROR_PATH.has(route) && !answers.some((exchange) => exchange.status >= 400))
        missing.push(`${route}: no error`);
    }
    expect(missing).toEqual([]);
    expect(
      traffic.exchanges.filter((exchange) => exchange.route.startsWith("OTHER")).map((e) => e.route),
    ).toEqual([
      "OTHER GET /openapi.json",
      "OTHER GET /",
      `OTHER GET /v1/${encodeURIComponent(canary.value)}`,
    ]);
  });

  it("searches for spellings that find the canary inside larger base64 and hex blobs", () => {
    const bytes = Buffer.from(canary.value);
    for (const offset of [0, 1, 2]) {
      const blob = Buffer.concat([
        Buffer.from("head".repeat(3).slice(0, 3 + offset)),
        bytes,
        Buffer.from("tail"),
      ]);
      expect(formsIn(blob.toString("base64"), forms)).toContain(`value base64@${offset}`);
      // The url-safe spelling is searched under its own name only where it differs from the standard one.
      expect(formsIn(blob.toString("base64url"), forms).join()).toMatch(
        new RegExp(`value base64(url)?@${offset}`),
      );
      expect(base64Inside(bytes, offset).length).toBeGreaterThan(canary.value.length);
    }
    expect(formsIn(`?a=${new URLSearchParams({ b: canary.value })}`, forms)).toContain("value form-encoded");
    expect(formsIn(`/${encodeURIComponent(canary.value)}`, forms)).toContain("value percent-encoded");
    expect(formsIn(Buffer.from(`{"v":"${canary.value}"}`).toString("hex").toUpperCase(), forms)).toContain(
      "value HEX",
    );
  });

  it("is in the successful answers of the reveal routes (the search works on this traffic)", () => {
    const revealing = traffic.exchanges.filter(mayReveal);
    const routes = new Set(revealing.filter((e) => formsIn(e.body, forms).length > 0).map((e) => e.route));
    expect([...routes].sort()).toEqual(
      [...Object.entries(ROUTES), ...Object.entries(VAULT_KINDS)]
        .filter(([, kind]) => kind === reveal)
        .map(([route]) => route)
        .sort(),
    );
  });

  it("is in no other answer, body or headers", () => {
    const leaks = traffic.exchanges
      .filter((exchange) => !mayReveal(exchange))
      .flatMap((exchange) => {
        const where = `${exchange.label} (${exchange.method} ${exchange.status})`;
        return [...leaksIn(`${where} body`, exchange.body), ...leaksIn(`${where} headers`, exchange.headers)];
      });
    expect(leaks).toEqual([]);
    // Headers of the reveal routes too: a value belongs in their body only.
    expect(
      traffic.exchanges.filter(mayReveal).flatMap((e) => leaksIn(`${e.label} headers`, e.headers)),
    ).toEqual([]);
  });

  it("is in no log line, nor in what the coffer commands printed", () => {
    const logs = coffer.logs.join("");
    expect(logs).toContain('"route":"/v1/proxy/:project/:env/:connection/*"');
    expect(leaksIn("logs", logs)).toEqual([]);
    expect(leaksIn("coffer audit export and coffer backup output", cliOutput)).toEqual([]);
  });

  it("is in no audit event, read through the API or exported by coffer audit export", () => {
    const events = auditEvents.flatMap((page) => JSON.parse(page.body.toString()).events as object[]);
    expect(events.length).toBeGreaterThan(100);
    expect(auditExport.trim().split("\n").length).toBe(events.length);
    expect(auditEvents.flatMap((page) => leaksIn("GET /v1/audit", page.body))).toEqual([]);
    expect(leaksIn("coffer audit export", auditExport)).toEqual([]);
  });

  it("is in no stored byte: no database column, and on SQLite no file of the data directory before or after a checkpoint", () => {
    expect(columns.length).toBeGreaterThan(20);
    expect(columns.flatMap(({ where, bytes }) => leaksIn(`column ${where}`, bytes))).toEqual([]);
    if (ON_POSTGRES) return;
    expect(stored.flatMap(({ files }) => files.map((file) => file.where))).toEqual(
      expect.arrayContaining(["coffer.db", "coffer.db-wal"]),
    );
    const leaks = stored.flatMap(({ label, files }) =>
      files.flatMap(({ where, bytes }) => leaksIn(`${where} ${label}`, bytes)),
    );
    expect(leaks).toEqual([]);
  });

  it.skipIf(ON_POSTGRES)("is in no backup made by coffer backup", () => {
    expect(backup?.length).toBeGreaterThan(0);
    expect(leaksIn("backup", backup!)).toEqual([]);
  });
});
