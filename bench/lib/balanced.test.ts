// The bench's rotation of targets: every target takes every place in a round once, and its figure is the mean of
// its own runs.
import { describe, expect, it } from "vitest";
import { measureInRotation } from "./balanced.ts";
import type { LoadSummary } from "./load.ts";

function summary(p50Ms: number, requestsPerSecond: number): LoadSummary {
  return {
    requestsPerSecond,
    p50Ms,
    p99Ms: p50Ms * 2,
    maxMs: p50Ms * 3,
    responses: 10,
    errors: 0,
    non2xx: 0,
    statusCodes: { "200": 10 },
    durationSeconds: 1,
    connections: 50,
  };
}

describe("measureInRotation", () => {
  it("rotates the order each round and reports each target's mean over its own runs", async () => {
    const order: string[] = [];
    const figures: Record<string, number[]> = { a: [10, 20, 30], b: [1, 2, 3], c: [100, 200, 600] };
    const { runs, means } = await measureInRotation(
      ["a", "b", "c"] as const,
      (name) => `target ${name}`,
      async (name) => {
        order.push(name);
        const p50 = figures[name]?.shift() ?? Number.NaN;
        return summary(p50, p50 * 10);
      },
    );
    expect(order).toEqual(["a", "b", "c", "b", "c", "a", "c", "a", "b"]);
    expect(runs.map((row) => row.target)).toEqual(
      order.map((name, index) => `target ${name}, run ${index + 1}`),
    );
    expect(means.a.target).toBe("target a (mean of 3)");
    expect(means.a.load.p50Ms).toBe(20);
    expect(means.b.load.requestsPerSecond).toBe(20);
    expect(means.c.load.p50Ms).toBe(300);
    expect(means.c.load.maxMs).toBe(1800);
    expect(means.c.load.responses).toBe(30);
  });
});
