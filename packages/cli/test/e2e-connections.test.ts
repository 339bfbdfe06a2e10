// Connections through the real executable against `coffer serve --dev`, then a request through the proxy
// with the SDK: the one-line preset, the table, and a value that reaches the upstream but never the caller.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Coffer } from "@coffer/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliInput, type CliResult, runBinary } from "./run-cli.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

const ROOT_TOKEN = `coffer_test_root_${randomBytes(16).toString("hex")}`;
const VALUE = `sk-canary-${randomBytes(12).toString("hex")}`;

let workDir: string;
let server: ServerProcess;
let upstream: Server;
let upstreamUrl: string;
const seen: IncomingHttpHeaders[] = [];

function coffer(argv: string[], input: CliInput = {}): Promise<CliResult> {
  const env = { COFFER_ADDR: server.url, COFFER_TOKEN: ROOT_TOKEN, COFFER_PROJECT: "agents", ...input.env };
  return runBinary(argv, { ...input, env });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "coffer-cli-connections-"));
  upstream = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ path: request.url, authorization: request.headers.authorization }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  server = await startServer(
    ["--dev", "--port", "0", "--data-dir", join(workDir, "data"), "--dev-root-token", ROOT_TOKEN],
    { COFFER_PROXY_ALLOW_LOOPBACK: "1" },
  );
  const admin = new Coffer({
    url: server.url,
    token: ROOT_TOKEN,
    project: "agents",
    environment: "production",
  });
  await admin.projects.create({ slug: "agents" });
  await admin.secrets.create("OPENAI_API_KEY", VALUE);
}, 30_000);

afterAll(async () => {
  await server?.stop();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 15_000);

describe("coffer connections", { timeout: 30_000 }, () => {
  it("creates an OpenAI connection from its preset in one line", async () => {
    const created = await coffer([
      "connections",
      "create",
      "openai",
      "--preset",
      "openai",
      "--secret",
      "OPENAI_API_KEY",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("Created connection 'openai' in project 'agents'.");
    expect(created.stdout).toMatch(/^Base URL:\s+https:\/\/api\.openai\.com$/m);
    expect(created.stdout).toMatch(/^Header:\s+authorization: Bearer \$SECRET\/OPENAI_API_KEY$/m);
    expect(created.stdout).toMatch(/^Paths:\s+\/v1\/\*\*$/m);
  });

  it("creates one from scratch, lists them, updates and deletes", async () => {
    const created = await coffer([
      "connections",
      "create",
      "local",
      "--base-url",
      upstreamUrl,
      "--header",
      "Authorization: Bearer $SECRET/OPENAI_API_KEY",
      "--method",
      "get",
      "--path",
      "/v1/**",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const table = await coffer(["connections", "list"]);
    expect(table.stdout).toMatch(/^NAME\s+BASE URL\s+REFERENCES\s+METHODS\s+PATHS\s+UPDATED$/m);
    expect(table.stdout).toMatch(/^local\s+http:\/\/127\.0\.0\.1:\d+\s+OPENAI_API_KEY\s+GET\s+\/v1\/\*\*/m);
    const json = JSON.parse((await coffer(["connections", "get", "local", "--json"])).stdout);
    expect(json).toMatchObject({ name: "local", methods: ["GET"], references: ["OPENAI_API_KEY"] });
    const updated = await coffer(["connections", "update", "openai", "--any-path", "--description", "LLM"]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(/^Paths:\s+all$/m);
    expect(await coffer(["connections", "delete", "openai", "--yes"])).toMatchObject({ code: 0 });
    expect((await coffer(["connections", "get", "openai"])).code).toBe(1);
  });

  it("refuses --secret without --preset, and nothing to create from", async () => {
    expect((await coffer(["connections", "create", "x", "--secret", "K"])).code).toBe(2);
    expect((await coffer(["connections", "create", "x"])).code).toBe(2);
  });

  it("lets a token with secrets:use call the upstream through the proxy without ever seeing the value", async () => {
    const admin = new Coffer({ url: server.url, token: ROOT_TOKEN });
    const { token } = await admin.tokens.create({
      name: "agent",
      projects: ["agents"],
      permissions: ["secrets:use"],
    });
    const agent = new Coffer({ url: server.url, token, project: "agents", environment: "production" });
    const response = await agent.proxy.fetch("local", "/v1/models?limit=1");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      path: "/v1/models?limit=1",
      authorization: "Bearer [REDACTED:OPENAI_API_KEY]",
    });
    expect(seen.at(-1)?.authorization).toBe(`Bearer ${VALUE}`);
    await expect(agent.secrets.get("OPENAI_API_KEY")).rejects.toMatchObject({ status: 403 });
    await expect(agent.resolve("$SECRET/OPENAI_API_KEY")).rejects.toMatchObject({ status: 403 });
  });
});
