import { describe, expect, it } from "vitest";
import { clientOf, fakeCoffer } from "./fake-coffer.ts";

function auditEvent(seq: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    seq,
    id: `ev-${seq}`,
    time: "2025-01-01T00:00:00.000Z",
    actor: { type: "token", id: "tok_1", name: "ci" },
    action: "secret.reveal",
    outcome: "success",
    project: "payments",
    environment: "production",
    key: "STRIPE_KEY",
    version: 1,
    requestId: "req",
    sourceIp: "127.0.0.1",
    userAgent: "test",
    details: {},
    hash: "h".repeat(64),
    prevHash: "p".repeat(64),
    ...overrides,
  };
}

describe("reading the audit log", () => {
  it("follows nextCursor across pages and returns every event, newest first", async () => {
    const pages = [
      { events: [auditEvent(5), auditEvent(4)], nextCursor: "c1" },
      { events: [auditEvent(3)], nextCursor: null },
    ];
    const server = await fakeCoffer((_, index) => ({ json: pages[index] }));
    const events = await clientOf(server).audit.list({ pageSize: 2, action: "secret.reveal" });

    expect(events.map((e) => e.seq)).toEqual([5, 4, 3]);
    expect(server.requests.map((r) => r.url)).toEqual([
      "/v1/audit?limit=2&action=secret.reveal",
      "/v1/audit?limit=2&cursor=c1&action=secret.reveal",
    ]);
  });

  it("sends every filter, times given as Dates in ISO form, and not the client's default project", async () => {
    const server = await fakeCoffer(() => ({ json: { events: [], nextCursor: null } }));
    const { audit } = clientOf(server);
    await audit.page();
    await audit.page({
      project: "web",
      environment: "prod",
      key: "a/b",
      actor: "ci",
      action: "secret.update",
      outcome: "denied",
      since: new Date("2025-06-01T00:00:00Z"),
      until: "2025-07-01T00:00:00Z",
      limit: 10,
      cursor: "abc",
    });

    expect(server.requests.map((r) => r.url)).toEqual([
      "/v1/audit",
      "/v1/audit?limit=10&cursor=abc&project=web&environment=prod&key=a%2Fb&actor=ci" +
        "&action=secret.update&outcome=denied&since=2025-06-01T00%3A00%3A00.000Z&until=2025-07-01T00%3A00%3A00Z",
    ]);
  });

  it("iterates page by page and stops requesting when the caller stops", async () => {
    const server = await fakeCoffer((_, index) => ({
      json: { events: [auditEvent(100 - index)], nextCursor: `c${index}` },
    }));
    const seen: number[] = [];
    for await (const page of clientOf(server).audit.iterate({ pageSize: 1 })) {
      seen.push(...page.map((e) => e.seq));
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([100, 99, 98]);
    expect(server.requests).toHaveLength(3);
  });

  it("refuses an invalid Date before sending anything", async () => {
    const server = await fakeCoffer();
    await expect(clientOf(server).audit.list({ since: new Date("not a date") })).rejects.toMatchObject({
      code: "validation_error",
      details: { field: "since" },
    });
    expect(server.requests).toHaveLength(0);
  });
});

describe("verifying the audit log", () => {
  it("posts to /v1/audit/verify and returns the first broken link", async () => {
    const result = { ok: false, checked: 1, brokenAt: { seq: 2, id: "ev-2", reason: "event was altered" } };
    const server = await fakeCoffer(() => ({ json: result }));
    const verification = await clientOf(server).audit.verify();

    expect(verification).toEqual(result);
    if (!verification.ok) expect(verification.brokenAt.seq).toBe(2);
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual(["POST /v1/audit/verify "]);
  });
});
