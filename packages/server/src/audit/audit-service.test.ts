import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../errors.ts";
import { type AuditEvent, createAuditService } from "./audit-service.ts";
import {
  type AuditFixture,
  allSeqs,
  instrumentedRepo,
  openAuditFixture,
  sampleEvent,
  steppingClock,
} from "./audit-test-support.ts";

let fixture: AuditFixture;
afterEach(async () => {
  await fixture.close();
});

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

describe("appending events", () => {
  it("stores every field of an event and chains it onto the previous one", async () => {
    fixture = await openAuditFixture();
    await fixture.audit.record(sampleEvent());
    await fixture.store.transaction((tx) =>
      fixture.audit.appendInTransaction(tx, sampleEvent({ action: "secret.update", details: undefined })),
    );
    const { events } = await fixture.audit.list({}, { limit: 10 });
    expect(events.map((event) => [event.seq, event.action])).toEqual([
      [2, "secret.update"],
      [1, "secret.reveal"],
    ]);
    const [second, first] = events;
    expect(first).toMatchObject({
      ...sampleEvent(),
      time: "2025-01-01T00:00:00.000Z",
      prevHash: "0".repeat(64),
    });
    expect(first?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.details).toEqual({});
    expect(second?.prevHash).toBe(first?.hash);
    expect(await fixture.audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it("an empty log verifies", async () => {
    fixture = await openAuditFixture();
    expect(await fixture.audit.verify()).toEqual({ ok: true, checked: 0 });
  });

  it("a lone record() is written without waiting for company", async () => {
    fixture = await openAuditFixture();
    const started = performance.now();
    await fixture.audit.record(sampleEvent());
    expect(performance.now() - started).toBeLessThan(100);
    expect(await allSeqs(fixture.store)).toEqual([1]);
  });
});

describe("group commit", () => {
  it("2,000 concurrent record() calls give 2,000 contiguous events in a few transactions", async () => {
    const counted = instrumentedRepo();
    fixture = await openAuditFixture({ repo: counted.repo });
    await Promise.all(range(2000).map((n) => fixture.audit.record(sampleEvent({ requestId: `req-${n}` }))));
    expect(await allSeqs(fixture.store)).toEqual(range(2000));
    expect(counted.headWrites()).toBeLessThanOrEqual(10);
    expect(await fixture.audit.verify()).toEqual({ ok: true, checked: 2000 });
  });

  it("builds a batch only after what the same turn queued for its check phase", async () => {
    fixture = await openAuditFixture();
    const order: string[] = [];
    const audit = createAuditService({
      store: fixture.store,
      repo: fixture.repo,
      key: fixture.key,
      now: steppingClock(),
      batchWriter: {
        write: async (rows) => {
          order.push(`batch of ${rows.length}`);
        },
        close: async () => undefined,
      },
    });
    const recorded = audit.record(sampleEvent());
    // How undici writes a request on a reused keep-alive connection: from a microtask after the dispatch, in the
    // check phase. The proxy records its uses just before; the batch must not hold the request up.
    queueMicrotask(() => setImmediate(() => order.push("upstream write")));
    await recorded;
    expect(order).toEqual(["upstream write", "batch of 1"]);
  });

  it("no batch is larger than maxBatch", async () => {
    const counted = instrumentedRepo();
    fixture = await openAuditFixture({ repo: counted.repo, maxBatch: 7 });
    await Promise.all(range(50).map(() => fixture.audit.record(sampleEvent())));
    expect(counted.headWrites()).toBe(Math.ceil(50 / 7));
    expect(await fixture.audit.verify()).toEqual({ ok: true, checked: 50 });
  });

  it("interleaves with appends inside other transactions, rolled-back ones leaving no event", async () => {
    fixture = await openAuditFixture({ maxBatch: 16 });
    const { audit, store } = fixture;
    const outcomes = await Promise.allSettled(
      range(600).map(async (n) => {
        const event = sampleEvent({ requestId: `req-${n}` });
        if (n % 3 === 0) return audit.record(event);
        await store.transaction(async (tx) => {
          await audit.appendInTransaction(tx, event);
          if (n % 3 === 1) throw new Error("the change failed");
        });
      }),
    );
    const kept = range(600).filter((n) => n % 3 !== 1);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(kept.length);
    expect(await allSeqs(store)).toEqual(range(kept.length));
    const { events } = await audit.list({}, { limit: 1000 });
    expect(events.map((event) => event.requestId).sort()).toEqual(kept.map((n) => `req-${n}`).sort());
    expect(await audit.verify()).toEqual({ ok: true, checked: kept.length });
  });

  it("a rolled-back transaction leaves no event and the chain continues after it", async () => {
    fixture = await openAuditFixture();
    const { audit, store } = fixture;
    await audit.record(sampleEvent());
    await expect(
      store.transaction(async (tx) => {
        await audit.appendInTransaction(tx, sampleEvent({ action: "secret.delete" }));
        throw new Error("the delete failed");
      }),
    ).rejects.toThrow("the delete failed");
    await audit.record(sampleEvent({ action: "secret.create" }));
    const { events } = await audit.list({}, { limit: 10 });
    expect(events.map((event) => [event.seq, event.action])).toEqual([
      [2, "secret.create"],
      [1, "secret.reveal"],
    ]);
    expect(await audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it("a failed batch rejects its callers, and later events still chain", async () => {
    const failing = instrumentedRepo();
    fixture = await openAuditFixture({ repo: failing.repo });
    await fixture.audit.record(sampleEvent());
    failing.failInserts(true);
    const results = await Promise.allSettled(range(10).map(() => fixture.audit.record(sampleEvent())));
    expect(results.every((result) => result.status === "rejected")).toBe(true);
    failing.failInserts(false);
    await fixture.audit.record(sampleEvent());
    expect(await allSeqs(fixture.store)).toEqual([1, 2]);
    expect(await fixture.audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it("flush waits for queued events and close refuses new ones", async () => {
    fixture = await openAuditFixture();
    const pending = range(20).map(() => fixture.audit.record(sampleEvent()));
    await fixture.audit.close();
    expect(await allSeqs(fixture.store)).toEqual(range(20));
    await Promise.all(pending);
    await expect(fixture.audit.record(sampleEvent())).rejects.toThrow("closed");
  });
});

describe("listing", () => {
  const events: AuditEvent[] = [
    sampleEvent({ project: "payments", environment: "production", key: "db", outcome: "success" }),
    sampleEvent({ project: "payments", environment: "staging", key: "db", outcome: "denied" }),
    sampleEvent({ project: "search", actor: { type: "user", id: "usr_9", name: "ada@example.com" } }),
    sampleEvent({ project: null, environment: null, key: null, action: "auth.login", outcome: "error" }),
    sampleEvent({ project: "payments", action: "secret.update", key: "api" }),
  ];

  async function withEvents(): Promise<void> {
    fixture = await openAuditFixture();
    for (const event of events) await fixture.audit.record(event); // one per clock second, seq 1…5
  }

  async function seqsFor(filter: Parameters<AuditFixture["audit"]["list"]>[0]): Promise<number[]> {
    const page = await fixture.audit.list(filter, { limit: 100 });
    return page.events.map((event) => event.seq);
  }

  it("filters by project, environment, key, actor id or name, action, outcome and time range", async () => {
    await withEvents();
    expect(await seqsFor({})).toEqual([5, 4, 3, 2, 1]);
    expect(await seqsFor({ project: "payments" })).toEqual([5, 2, 1]);
    expect(await seqsFor({ project: "payments", environment: "staging" })).toEqual([2]);
    expect(await seqsFor({ key: "db" })).toEqual([2, 1]);
    expect(await seqsFor({ actor: "usr_9" })).toEqual([3]);
    expect(await seqsFor({ actor: "ada@example.com" })).toEqual([3]);
    expect(await seqsFor({ action: "auth.login" })).toEqual([4]);
    expect(await seqsFor({ outcome: "denied" })).toEqual([2]);
    // Second 1 to 3 (exclusive), written without milliseconds and with an offset: compared as instants.
    expect(await seqsFor({ since: "2025-01-01T00:00:01Z", until: "2025-01-01T01:00:03+01:00" })).toEqual([
      3, 2,
    ]);
  });

  it("shows only the caller's projects, and events without a project only to callers who see everything", async () => {
    await withEvents();
    expect(await seqsFor({ projects: ["search"] })).toEqual([3]);
    expect(await seqsFor({ projects: ["search"], project: "payments" })).toEqual([]);
    expect(await seqsFor({ projects: [] })).toEqual([]);
    expect(await seqsFor({ projects: ["payments", "search"] })).toEqual([5, 3, 2, 1]);
  });

  it("pages newest first with an opaque cursor until nextCursor is null", async () => {
    await withEvents();
    const seen: number[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await fixture.audit.list({}, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(page.events.map((event) => event.seq));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([[5, 4], [3, 2], [1]]);
    const filtered = await fixture.audit.list({ project: "payments" }, { limit: 2 });
    expect(filtered.events.map((event) => event.seq)).toEqual([5, 2]);
    const rest = await fixture.audit.list(
      { project: "payments" },
      { limit: 2, cursor: filtered.nextCursor! },
    );
    expect(rest).toMatchObject({ events: [{ seq: 1 }], nextCursor: null });
  });

  it("rejects a tampered cursor, a bad time and a limit out of range", async () => {
    await withEvents();
    await expect(fixture.audit.list({}, { limit: 10, cursor: "not-a-cursor" })).rejects.toThrow(
      ValidationError,
    );
    await expect(fixture.audit.list({ since: "yesterday" }, { limit: 10 })).rejects.toThrow(ValidationError);
    await expect(fixture.audit.list({}, { limit: 0 })).rejects.toThrow(ValidationError);
    await expect(fixture.audit.list({}, { limit: 1001 })).rejects.toThrow(ValidationError);
  });
});
