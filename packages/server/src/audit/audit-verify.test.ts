import { createSecretKey, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditEventRow } from "../store/database.ts";
import { BREAK_REASONS } from "./audit-chain.ts";
import { type AuditFixture, openAuditFixture, sampleEvent } from "./audit-test-support.ts";

let fixture: AuditFixture;
afterEach(async () => {
  await fixture.close();
});

/** Five events; the third has every optional field set, the fourth none. */
async function withFiveEvents(): Promise<AuditFixture> {
  fixture = await openAuditFixture();
  await fixture.audit.record(sampleEvent());
  await fixture.audit.record(sampleEvent({ action: "secret.update" }));
  await fixture.audit.record(sampleEvent({ action: "secret.rollback", version: 2 }));
  await fixture.store.transaction((tx) =>
    fixture.audit.appendInTransaction(tx, {
      action: "auth.login",
      outcome: "denied",
      actor: { type: "anonymous", id: "-", name: "anonymous" },
    }),
  );
  await fixture.audit.record(sampleEvent({ action: "token.revoke" }));
  return fixture;
}

async function rowAt(seq: number): Promise<AuditEventRow> {
  return fixture.store.db
    .selectFrom("audit_events")
    .selectAll()
    .where("seq", "=", seq)
    .executeTakeFirstOrThrow();
}

async function updateRow(seq: number, changes: Partial<AuditEventRow>): Promise<void> {
  await fixture.store.db.updateTable("audit_events").set(changes).where("seq", "=", seq).execute();
}

/** Another value for a column: numbers move by one, text gains a character, null becomes something. */
function edited(column: keyof AuditEventRow, value: string | number | null): Partial<AuditEventRow> {
  if (typeof value === "number") return { [column]: value + 1 };
  if (value === null) return { [column]: column === "version" ? 7 : "injected" };
  return { [column]: `${value}x` };
}

describe("verifying the chain", () => {
  it("editing any column of an event names that event as altered", async () => {
    await withFiveEvents();
    for (const seq of [3, 4]) {
      const original = await rowAt(seq);
      for (const column of Object.keys(original) as (keyof AuditEventRow)[]) {
        if (column === "seq") continue; // moving an event is a reordering, tested below
        await updateRow(seq, edited(column, original[column]));
        const id = column === "id" ? `${original.id}x` : original.id;
        expect({ column, result: await fixture.audit.verify() }).toEqual({
          column,
          result: { ok: false, checked: seq - 1, brokenAt: { seq, id, reason: BREAK_REASONS.altered } },
        });
        await updateRow(seq, original);
      }
    }
    expect(await fixture.audit.verify()).toEqual({ ok: true, checked: 5 });
  });

  it("deleting an event in the middle names the event after it", async () => {
    await withFiveEvents();
    await fixture.store.db.deleteFrom("audit_events").where("seq", "=", 3).execute();
    const fourth = await rowAt(4);
    expect(await fixture.audit.verify()).toEqual({
      ok: false,
      checked: 2,
      brokenAt: { seq: 4, id: fourth.id, reason: BREAK_REASONS.removedBefore },
    });
  });

  it("deleting an event and renumbering the rest is still found as a removal", async () => {
    await withFiveEvents();
    const fourth = await rowAt(4);
    await fixture.store.db.deleteFrom("audit_events").where("seq", "=", 3).execute();
    for (const seq of [4, 5]) await updateRow(seq, { seq: seq - 1 });
    const last = await rowAt(4);
    await fixture.store.db.updateTable("audit_head").set({ seq: 4, hash: last.hash }).execute();
    expect(await fixture.audit.verify()).toEqual({
      ok: false,
      checked: 2,
      brokenAt: { seq: 3, id: fourth.id, reason: BREAK_REASONS.removedBefore },
    });
  });

  it("deleting the last event names its seq", async () => {
    await withFiveEvents();
    await fixture.store.db.deleteFrom("audit_events").where("seq", "=", 5).execute();
    expect(await fixture.audit.verify()).toEqual({
      ok: false,
      checked: 4,
      brokenAt: { seq: 5, id: null, reason: BREAK_REASONS.removedFromEnd },
    });
  });

  it("deleting every event is found", async () => {
    await withFiveEvents();
    await fixture.store.db.deleteFrom("audit_events").execute();
    expect(await fixture.audit.verify()).toMatchObject({
      ok: false,
      brokenAt: { seq: 1, id: null, reason: BREAK_REASONS.removedFromEnd },
    });
  });

  it("swapping two events names the first position as reordered", async () => {
    await withFiveEvents();
    const [second, fourth] = [await rowAt(2), await rowAt(4)];
    await updateRow(2, { seq: 1000 });
    await updateRow(4, { seq: 2 });
    await updateRow(1000, { seq: 4 });
    expect(await fixture.audit.verify()).toEqual({
      ok: false,
      checked: 1,
      brokenAt: { seq: 2, id: fourth.id, reason: BREAK_REASONS.reordered },
    });
    expect(second.id).not.toBe(fourth.id);
  });

  it("swapping the contents of two events but not their hashes is an alteration", async () => {
    await withFiveEvents();
    const [second, third] = [await rowAt(2), await rowAt(3)];
    const { seq: _2, hash: _h2, prev_hash: _p2, ...secondContent } = second;
    const { seq: _3, hash: _h3, prev_hash: _p3, ...thirdContent } = third;
    await updateRow(2, { ...thirdContent, id: "tmp" });
    await updateRow(3, secondContent);
    await updateRow(2, { id: third.id });
    expect(await fixture.audit.verify()).toMatchObject({
      ok: false,
      brokenAt: { seq: 2, id: third.id, reason: BREAK_REASONS.altered },
    });
  });

  it("a head that does not match the last event is found", async () => {
    await withFiveEvents();
    await fixture.store.db
      .updateTable("audit_head")
      .set({ hash: "f".repeat(64) })
      .execute();
    expect(await fixture.audit.verify()).toEqual({
      ok: false,
      checked: 5,
      brokenAt: { seq: 5, id: null, reason: BREAK_REASONS.headMismatch },
    });
  });

  it("a different key fails on the first event", async () => {
    await withFiveEvents();
    const stranger = fixture.serviceWith({ key: createSecretKey(randomBytes(32)) });
    const first = await rowAt(1);
    expect(await stranger.verify()).toEqual({
      ok: false,
      checked: 0,
      brokenAt: { seq: 1, id: first.id, reason: BREAK_REASONS.altered },
    });
  });

  it("walks a chain longer than one page and events appended during the walk do not disturb it", async () => {
    fixture = await openAuditFixture();
    await Promise.all(Array.from({ length: 4500 }, () => fixture.audit.record(sampleEvent())));
    const verifying = fixture.audit.verify();
    const appending = Array.from({ length: 100 }, () => fixture.audit.record(sampleEvent()));
    const result = await verifying;
    await Promise.all(appending);
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(4500);
    expect(await fixture.audit.verify()).toEqual({ ok: true, checked: 4600 });
    await updateRow(4321, { action: "secret.delete" });
    expect(await fixture.audit.verify()).toMatchObject({ ok: false, checked: 4320, brokenAt: { seq: 4321 } });
  });
});
