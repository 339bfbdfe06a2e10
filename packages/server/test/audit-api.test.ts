import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asUser, createUser, rawSql, secretsPath, signIn, startServer, type TestServer } from "./helpers.ts";

type Event = {
  seq: number;
  action: string;
  outcome: string;
  actor: { type: string; id: string; name: string };
  project: string | null;
  environment: string | null;
  key: string | null;
  version: number | null;
  requestId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
};

let coffer: TestServer;
const canary = `audit-canary-${randomBytes(8).toString("hex")}`;
const base = secretsPath("audited", "production");

async function eventsSince(seq: number): Promise<Event[]> {
  const response = await coffer.api("GET", "/v1/audit?limit=1000");
  return (response.body.events as (Event & { seq: number })[]).filter((event) => event.seq > seq).reverse();
}

async function lastSeq(): Promise<number> {
  const response = await coffer.api("GET", "/v1/audit?limit=1");
  return response.body.events[0]?.seq ?? 0;
}

/** Runs one request and returns the events it wrote. */
async function eventsOf(run: () => Promise<{ status: number; headers: Headers }>) {
  const before = await lastSeq();
  const response = await run();
  const events = await eventsSince(before);
  return { response, events: events.filter((event) => event.action !== "audit.read") };
}

beforeAll(async () => {
  coffer = await startServer();
  await coffer.api("POST", "/v1/projects", { slug: "audited" });
});
afterAll(() => coffer.close());

describe("audit events", () => {
  it("every mutating secret route writes exactly one event with the right fields", async () => {
    const cases: [string, () => Promise<{ status: number; headers: Headers }>, Partial<Event>][] = [
      [
        "secret.create",
        () => coffer.api("POST", base, { key: "DB", value: canary }),
        { key: "DB", version: 1 },
      ],
      [
        "secret.update",
        () => coffer.api("PATCH", `${base}/DB`, { value: `${canary}-2` }),
        { key: "DB", version: 2 },
      ],
      [
        "secret.update",
        () => coffer.api("PATCH", `${base}/DB`, { description: "meta only" }),
        { version: 2 },
      ],
      ["secret.rollback", () => coffer.api("POST", `${base}/DB/rollback`, { version: 1 }), { version: 3 }],
      ["secret.reveal", () => coffer.api("GET", `${base}/DB/value`), { key: "DB", version: 3 }],
      ["secret.reveal", () => coffer.api("GET", `${base}/DB/versions/2/value`), { version: 2 }],
      [
        "secret.reveal_bulk",
        () => coffer.api("POST", "/v1/projects/audited/environments/production/values", { keys: ["DB"] }),
        { key: "DB" },
      ],
      ["secret.delete", () => coffer.api("DELETE", `${base}/DB`), { key: "DB", version: 3 }],
      [
        "environment.create",
        () => coffer.api("POST", "/v1/projects/audited/environments", { slug: "qa" }),
        {},
      ],
      ["environment.delete", () => coffer.api("DELETE", "/v1/projects/audited/environments/qa"), {}],
      ["project.update", () => coffer.api("PATCH", "/v1/projects/audited", { name: "Audited!" }), {}],
    ];
    for (const [action, run, expected] of cases) {
      const { response, events } = await eventsOf(run);
      expect(events, action).toHaveLength(1);
      expect(events[0]).toMatchObject({
        action,
        outcome: "success",
        actor: { type: "token", name: "initial-root" },
        project: "audited",
        requestId: response.headers.get("x-request-id"),
        sourceIp: "127.0.0.1",
        ...expected,
      });
      expect(events[0]?.userAgent).toBeTruthy();
    }
  });

  it("token, member and user changes, and sign-ins, are events too", async () => {
    const token = await eventsOf(() =>
      coffer.api("POST", "/v1/tokens", { name: "ci", projects: ["audited"], permissions: ["secrets:list"] }),
    );
    expect(token.events.map((e) => e.action)).toEqual(["token.create"]);
    const tokenId = (await coffer.api("GET", "/v1/tokens")).body.tokens.find(
      (t: { name: string }) => t.name === "ci",
    ).id;
    expect(
      (await eventsOf(() => coffer.api("DELETE", `/v1/tokens/${tokenId}`))).events.map((e) => e.action),
    ).toEqual(["token.revoke"]);
    const user = await eventsOf(() =>
      coffer.api("POST", "/v1/users", { email: "audited@example.com", password: "correct-horse-battery" }),
    );
    expect(user.events.map((e) => e.action)).toEqual(["user.create"]);
    const member = await eventsOf(() =>
      coffer.api("POST", "/v1/projects/audited/members", { email: "audited@example.com", role: "viewer" }),
    );
    expect(member.events).toEqual([expect.objectContaining({ action: "member.add", project: "audited" })]);
    const login = await eventsOf(async () => {
      await signIn(coffer, "audited@example.com", "correct-horse-battery");
      return { status: 200, headers: new Headers() };
    });
    expect(login.events).toEqual([
      expect.objectContaining({
        action: "auth.login",
        outcome: "success",
        actor: expect.objectContaining({ type: "user" }),
      }),
    ]);
    const failed = await eventsOf(() =>
      coffer.api(
        "POST",
        "/v1/auth/login",
        { email: "audited@example.com", password: "wrong-password-1" },
        null,
      ),
    );
    expect(failed.events).toEqual([expect.objectContaining({ action: "auth.login", outcome: "denied" })]);
  });

  it("records denied attempts: missing permission, foreign project, bad token", async () => {
    await coffer.api("POST", base, { key: "GUARDED", value: canary });
    const lister = (
      await coffer.api("POST", "/v1/tokens", {
        name: "lister",
        projects: ["audited"],
        permissions: ["secrets:list"],
      })
    ).body.token as string;
    const denied = await eventsOf(() => coffer.api("GET", `${base}/GUARDED/value`, undefined, lister));
    expect(denied.response.status).toBe(403);
    expect(denied.events).toEqual([
      expect.objectContaining({
        action: "secret.reveal",
        outcome: "denied",
        actor: expect.objectContaining({ name: "lister" }),
        project: "audited",
        key: "GUARDED",
        details: { status: 403 },
      }),
    ]);
    const anonymous = await eventsOf(() =>
      coffer.api("GET", `${base}/GUARDED/value`, undefined, "coffer_nope"),
    );
    expect(anonymous.events).toEqual([
      expect.objectContaining({
        action: "secret.reveal",
        outcome: "denied",
        actor: { type: "anonymous", id: "", name: "" },
      }),
    ]);
  });

  it("never contains a value", async () => {
    const all = await coffer.api("GET", "/v1/audit?limit=1000");
    for (const form of [
      canary,
      Buffer.from(canary).toString("base64"),
      Buffer.from(canary).toString("hex"),
    ]) {
      expect(all.text).not.toContain(form);
    }
    const db = await rawSql(coffer.dataDir);
    const rows = JSON.stringify(await db.all("select * from audit_events"));
    await db.close();
    expect(rows).not.toContain(canary);
  });

  it("filters by project, action, outcome and key, with cursor pages", async () => {
    const reveals = await coffer.api(
      "GET",
      "/v1/audit?project=audited&action=secret.reveal&outcome=success&key=DB",
    );
    expect(reveals.body.events.length).toBe(2);
    const page = await coffer.api("GET", "/v1/audit?limit=2");
    expect(page.body.events).toHaveLength(2);
    const next = await coffer.api("GET", `/v1/audit?limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.events[0].seq).toBeLessThan(page.body.events[1].seq);
  });

  it("lets a viewer read nothing of the audit log, and an owner read their project's", async () => {
    await createUser(coffer, "owner-a@example.com");
    await coffer.api("POST", "/v1/projects/audited/members", { email: "owner-a@example.com", role: "owner" });
    const owner = await signIn(coffer, "owner-a@example.com", "correct-horse-battery");
    const mine = await asUser(coffer, owner, "GET", "/v1/audit?limit=1000");
    expect(mine.status).toBe(200);
    expect(mine.body.events.every((e: Event) => e.project === "audited")).toBe(true);
    const viewer = await signIn(coffer, "audited@example.com", "correct-horse-battery");
    expect((await asUser(coffer, viewer, "GET", "/v1/audit")).status).toBe(403);
    expect((await asUser(coffer, owner, "POST", "/v1/audit/verify")).status).toBe(403);
  });

  it("verifies the chain, and names the event that was altered in the database", async () => {
    expect((await coffer.api("POST", "/v1/audit/verify")).body).toMatchObject({ ok: true });
    await coffer.server.close();
    const db = await rawSql(coffer.dataDir);
    const [row] = await db.all("select seq, id from audit_events where action = 'secret.rollback'");
    const target = { seq: Number(row?.["seq"]), id: String(row?.["id"]) };
    await db.run("update audit_events set outcome = 'denied' where seq = ?", target.seq);
    await db.close();
    coffer = await startServer({ dataDir: coffer.dataDir, masterKey: coffer.masterKey });
    const result = await coffer.api("POST", "/v1/audit/verify");
    expect(result.body).toMatchObject({ ok: false, brokenAt: { seq: target.seq, id: target.id } });
    expect(result.body.brokenAt.reason).toContain("altered");
  });
});
