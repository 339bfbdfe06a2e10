// The order of a proxied call's work around its audit events, with the services around it replaced by stand-ins
// (test/proxy-api.test.ts runs the real thing over HTTP).
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { AuditService } from "../audit/audit-service.ts";
import type { RequestContext } from "../auth/permissions.ts";
import type { ConnectionsService, ProxyConnection } from "../connections/connections-service.ts";
import type { ProjectsService, Scope } from "../projects/projects-service.ts";
import { compileTemplate, type JsonValue } from "../refs/index.ts";
import type { RefsService } from "../refs/refs-service.ts";
import type { EgressClient, UpstreamRequest, UpstreamResponse } from "./egress-client.ts";
import { createProxyService, type ProxiedRequest } from "./proxy-service.ts";

const ctx = {
  principal: { actor: { type: "token", id: "t1", name: "agent" } },
  requestId: "r1",
  sourceIp: "127.0.0.1",
  userAgent: null,
} as unknown as RequestContext;

const baseUrl = new URL("https://api.example.com/v1");
const connection: ProxyConnection = {
  name: "api",
  baseUrl,
  origin: baseUrl.origin,
  host: baseUrl.host,
  basePath: "/v1",
  methods: null,
  paths: null,
  template: compileTemplate({ headers: { authorization: "Bearer $SECRET/KEY" }, query: {} } as JsonValue),
  timeoutMs: 1000,
  maxBodyBytes: 1024,
};

const request: ProxiedRequest = {
  method: "GET",
  path: "/models",
  query: "",
  headers: {},
  body: undefined,
  signal: new AbortController().signal,
};

/** A proxy service whose upstream answers (or fails) as `send` says and whose audit log records as `record` says. */
function proxyWith(
  send: (request: UpstreamRequest) => Promise<UpstreamResponse>,
  record: () => Promise<void>,
) {
  const log: string[] = [];
  const scope = { project: { slug: "p" }, environment: { slug: "dev" } } as Scope;
  const service = createProxyService({
    projects: { resolveScope: async () => scope } as unknown as ProjectsService,
    connections: { forProxy: async () => connection } as unknown as ConnectionsService,
    refs: {
      openForUse: async () => ({
        values: new Map([["KEY", { value: "sk-test-value" }]]),
        secrets: [{ key: "KEY", version: 1, allowedDestinations: [] }],
      }),
    } as unknown as RefsService,
    audit: {
      record: (event: { action: string }) => {
        log.push(`record ${event.action}`);
        return record();
      },
    } as unknown as AuditService,
    egress: {
      send: (upstream: UpstreamRequest) => {
        log.push(`send ${upstream.target.origin}${upstream.target.path}`);
        return send(upstream);
      },
    } as unknown as EgressClient,
  });
  return { log, forward: () => service.forward(ctx, "p", "dev", "api", request) };
}

const answer = (): UpstreamResponse =>
  ({ statusCode: 200, headers: {}, body: Readable.from([Buffer.from("ok")]) }) as unknown as UpstreamResponse;
const later = <T>(ms: number, value: () => T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value()), ms));
/** An audit log whose events become durable 5 ms after they are recorded. */
function slowAudit() {
  const state = { durable: false };
  const record = () =>
    later(5, () => {
      state.durable = true;
    });
  return { state, record };
}

describe("the proxy's audit events", () => {
  it("are recorded after the request is handed to the upstream, and before the answer is given", async () => {
    const audit = slowAudit();
    const { log, forward } = proxyWith(() => later(20, answer), audit.record);
    const response = await forward();
    expect(log).toEqual(["send https://api.example.com/v1/models", "record secret.use"]);
    expect(audit.state.durable).toBe(true);
    expect(response.status).toBe(200);
    expect(response.redactor?.redactText("sk-test-value")).toBe("[REDACTED:KEY]");
  });

  it("come before the failure when the upstream fails at once", async () => {
    const audit = slowAudit();
    const { log, forward } = proxyWith(() => Promise.reject(new Error("connection refused")), audit.record);
    await expect(forward()).rejects.toThrow();
    expect(log).toEqual(["send https://api.example.com/v1/models", "record secret.use"]);
    expect(audit.state.durable).toBe(true);
  });

  it("fail the call when they cannot be written, without an unhandled rejection while the request travels", async () => {
    const { forward } = proxyWith(
      () => later(30, answer),
      () => Promise.reject(new Error("the audit log is closed")),
    );
    await expect(forward()).rejects.toThrow("the audit log is closed");
  });
});
