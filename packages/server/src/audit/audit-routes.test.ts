import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import type { App } from "../http/app-type.ts";
import { describeError } from "../http/errors.ts";
import { validatorCompiler } from "../http/validator.ts";
import { registerAuditRoutes } from "./audit-routes.ts";
import { type AuditFixture, openAuditFixture, sampleEvent } from "./audit-test-support.ts";

let fixture: AuditFixture;
let app: App;
afterEach(async () => {
  await app.close();
  await fixture.close();
});

/** The audit routes on a bare app: `x-projects` stands in for the caller's visible projects ("*" = all). */
async function startApp(): Promise<void> {
  fixture = await openAuditFixture();
  app = Fastify().withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler((error: Error, request, reply) => {
    const { status, body } = describeError(error, request);
    return reply.status(status).send(body);
  });
  registerAuditRoutes(app, {
    audit: fixture.audit,
    async authorize(request) {
      const projects = request.headers["x-projects"];
      if (typeof projects !== "string") throw new UnauthorizedError();
      return projects === "*" ? undefined : projects.split(",").filter((slug) => slug !== "");
    },
    async authorizeVerify(request) {
      if (request.headers["x-projects"] !== "*")
        throw new ForbiddenError("Only instance admins verify the log");
    },
  });
  await app.ready();
  await fixture.audit.record(sampleEvent({ project: "payments" }));
  await fixture.audit.record(sampleEvent({ project: "search", outcome: "denied", details: undefined }));
  await fixture.audit.record(
    sampleEvent({ project: null, environment: null, key: null, action: "auth.login" }),
  );
}

async function get(url: string, projects?: string) {
  const response = await app.inject({
    method: "GET",
    url,
    headers: projects === undefined ? {} : { "x-projects": projects },
  });
  return { status: response.statusCode, body: response.json() };
}

describe("GET /v1/audit", () => {
  it("returns events newest first in the documented shape", async () => {
    await startApp();
    const { status, body } = await get("/v1/audit", "*");
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.events.map((event: { seq: number }) => event.seq)).toEqual([3, 2, 1]);
    const first = body.events[2];
    expect(Object.keys(first).sort()).toEqual(
      [
        "seq",
        "id",
        "time",
        "actor",
        "action",
        "outcome",
        "project",
        "environment",
        "key",
        "version",
        "requestId",
        "sourceIp",
        "userAgent",
        "details",
        "hash",
        "prevHash",
      ].sort(),
    );
    expect(first).toMatchObject({
      actor: { type: "token", id: "tok_1", name: "ci-deploy" },
      project: "payments",
      key: "stripe/api_key",
      version: 3,
      details: { fields: 1, strict: true },
      prevHash: "0".repeat(64),
    });
    expect(body.events[1].details).toEqual({});
    expect(body.events[0]).toMatchObject({ project: null, environment: null, key: null });
  });

  it("applies query filters, the caller's project visibility and pagination", async () => {
    await startApp();
    const seqs = async (url: string, projects = "*") =>
      (await get(url, projects)).body.events.map((event: { seq: number }) => event.seq);
    expect(await seqs("/v1/audit?outcome=denied")).toEqual([2]);
    expect(await seqs("/v1/audit?project=payments")).toEqual([1]);
    expect(await seqs("/v1/audit?since=2025-01-01T00:00:01Z&until=2025-01-01T00:00:02Z")).toEqual([2]);
    expect(await seqs("/v1/audit", "search")).toEqual([2]);
    expect(await seqs("/v1/audit?project=payments", "search")).toEqual([]);
    const page = await get("/v1/audit?limit=2", "*");
    expect(page.body.events).toHaveLength(2);
    const rest = await get(`/v1/audit?limit=2&cursor=${page.body.nextCursor}`, "*");
    expect(rest.body).toMatchObject({ events: [{ seq: 1 }], nextCursor: null });
  });

  it("refuses bad query parameters with 400", async () => {
    await startApp();
    for (const query of [
      "limit=0",
      "limit=1001",
      "outcome=maybe",
      "since=yesterday",
      "cursor=zz",
      "colour=red",
    ]) {
      const { status, body } = await get(`/v1/audit?${query}`, "*");
      expect({ query, status, code: body.error.code }).toEqual({
        query,
        status: 400,
        code: "validation_error",
      });
    }
  });

  it("passes on the authorizer's refusal", async () => {
    await startApp();
    expect((await get("/v1/audit")).status).toBe(401);
  });
});

describe("POST /v1/audit/verify", () => {
  it("reports the chain's state to an instance admin and refuses anyone else", async () => {
    await startApp();
    const ok = await app.inject({ method: "POST", url: "/v1/audit/verify", headers: { "x-projects": "*" } });
    expect(ok.json()).toEqual({ ok: true, checked: 3 });
    await fixture.store.db.updateTable("audit_events").set({ action: "x" }).where("seq", "=", 2).execute();
    const broken = await app.inject({
      method: "POST",
      url: "/v1/audit/verify",
      headers: { "x-projects": "*" },
    });
    expect(broken.json()).toMatchObject({
      ok: false,
      checked: 1,
      brokenAt: { seq: 2, reason: "event was altered" },
    });
    const refused = await app.inject({
      method: "POST",
      url: "/v1/audit/verify",
      headers: { "x-projects": "search" },
    });
    expect(refused.statusCode).toBe(403);
  });
});
