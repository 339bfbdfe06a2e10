// The audit log keeps working past 2^31 events (a busy instance gets there: 25 days at 1,000 audited requests a
// second). PostgreSQL's 32-bit integer would refuse the next sequence number, and every audited request with it;
// the columns are 64-bit (migration 0006). The log is moved there by renumbering its rows, which breaks the
// chain's hashes, so this test looks at appends, listing and paging, not at `audit verify`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawSql, rawSql, secretsPath, startServer, type TestServer } from "./helpers.ts";

const SHIFT = 2 ** 31;
let coffer: TestServer;
let sql: RawSql;

beforeAll(async () => {
  coffer = await startServer();
  sql = await rawSql(coffer.dataDir);
  expect((await coffer.api("POST", "/v1/projects", { slug: "busy" })).status).toBe(201);
  await sql.run("update audit_events set seq = seq + ?", SHIFT);
  await sql.run("update audit_head set seq = seq + ?", SHIFT);
});
afterAll(async () => {
  await sql.close();
  await coffer.close();
});

describe("an audit log past 2^31 events", () => {
  it("records new events, lists them with their numbers and pages through them", async () => {
    const base = secretsPath("busy", "production");
    expect((await coffer.api("POST", base, { key: "API_KEY", value: "long-log-value" })).status).toBe(201);
    expect((await coffer.api("GET", `${base}/API_KEY/value`)).status).toBe(200);

    const first = await coffer.api("GET", "/v1/audit?limit=2");
    expect(first.status).toBe(200);
    const seqs = (first.body.events as { seq: number }[]).map((event) => event.seq);
    expect(seqs.every((seq) => typeof seq === "number" && seq > SHIFT)).toBe(true);
    expect(seqs[0]).toBe((seqs[1] as number) + 1);
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const next = await coffer.api("GET", `/v1/audit?limit=2&cursor=${first.body.nextCursor}`);
    expect(next.status).toBe(200);
    expect(next.body.events[0].seq).toBe((seqs[1] as number) - 1);
  });
});
