import type { Secret } from "@coffer/sdk";
import { describe, expect, it } from "vitest";
import { type FetchPage, hasGap, nextRows, startStreams } from "./matrix.ts";

function secret(key: string, version = 1): Secret {
  const actor = { type: "token" as const, id: "t", name: "t" };
  const at = "2026-01-01T00:00:00.000Z";
  return {
    key,
    name: null,
    description: "",
    type: "generic",
    metadata: {},
    fields: ["value"],
    allowedDestinations: [],
    version,
    createdAt: at,
    createdBy: actor,
    updatedAt: at,
    updatedBy: actor,
  };
}

/** A fake server listing each environment's secrets (sorted by key) `pageSize` at a time, counting requests. */
function fakeServer(environments: Record<string, Secret[]>, pageSize: number) {
  const requests: string[] = [];
  const fetchPage: FetchPage = async (environment, cursor) => {
    requests.push(`${environment}@${cursor ?? 0}`);
    const all = [...(environments[environment] ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1));
    const start = Number(cursor ?? 0);
    const end = start + pageSize;
    return { secrets: all.slice(start, end), nextCursor: end < all.length ? String(end) : null };
  };
  return { fetchPage, requests };
}

describe("the overview matrix", () => {
  const environments = {
    development: [secret("A"), secret("B"), secret("C", 2), secret("E")],
    production: [secret("A"), secret("C"), secret("D")],
  };

  it("merges the environments' key-ordered listings into rows: present, missing, or differing in version", async () => {
    const { fetchPage } = fakeServer(environments, 2);
    const { rows, more } = await nextRows(startStreams(["development", "production"]), 10, fetchPage);
    expect(more).toBe(false);
    expect(rows.map((row) => [row.key, ...row.cells.map((cell) => cell.state)])).toEqual([
      ["A", "present", "present"],
      ["B", "present", "missing"],
      ["C", "differs", "differs"],
      ["D", "missing", "present"],
      ["E", "present", "missing"],
    ]);
    expect(rows.filter(hasGap).map((row) => row.key)).toEqual(["B", "C", "D", "E"]);
  });

  it("pages through the keys, continuing from where the previous page stopped", async () => {
    const { fetchPage, requests } = fakeServer(environments, 2);
    const first = await nextRows(startStreams(["development", "production"]), 2, fetchPage);
    expect(first.rows.map((row) => row.key)).toEqual(["A", "B"]);
    expect(first.more).toBe(true);
    // Only what the page needed was fetched.
    expect(requests).toEqual(["development@0", "production@0", "development@2"]);
    const second = await nextRows(first.streams, 2, fetchPage);
    expect(second.rows.map((row) => row.key)).toEqual(["C", "D"]);
    const third = await nextRows(second.streams, 2, fetchPage);
    expect(third.rows.map((row) => row.key)).toEqual(["E"]);
    expect(third.more).toBe(false);
    // The first page's position is untouched: going back shows the same page again.
    expect((await nextRows(startStreams(["development", "production"]), 2, fetchPage)).rows).toEqual(
      first.rows,
    );
  });

  it("skips filtered-out rows until the page is full", async () => {
    const { fetchPage } = fakeServer(environments, 1);
    const { rows } = await nextRows(startStreams(["development", "production"]), 2, fetchPage, hasGap);
    expect(rows.map((row) => row.key)).toEqual(["B", "C"]);
  });
});
