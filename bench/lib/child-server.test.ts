// The bench's child-server runner: the ready line is found in the output file, a child that fails before it is
// ready is reported with what it printed, and the output file goes away with the child.
import { describe, expect, it } from "vitest";
import { startChildServer } from "./child-server.ts";

const READY = /listening on (\S+)/;

function child(script: string, name = "child") {
  return startChildServer({ name, args: ["-e", script], readyLine: READY, readyTimeoutMs: 5_000 });
}

describe("startChildServer", () => {
  it("finds the ready line on standard output, after other output, and keeps the tail for messages", async () => {
    const server = await child(
      "console.log('é'.repeat(20000)); setTimeout(() => console.log('Server listening on http://127.0.0.1:1'), 100); setInterval(() => {}, 1000);",
    );
    try {
      expect(server.url).toBe("http://127.0.0.1:1");
      const output = server.recentOutput();
      expect(output).toContain("listening on http://127.0.0.1:1");
      expect(output.length).toBeLessThan(10_000);
    } finally {
      await server.stop();
    }
  });

  it("reports a child that exits before it is ready with its exit code and what it printed", async () => {
    const started = child(
      "console.log('reading configuration'); console.error('bad setting: X'); process.exit(3);",
      "broken",
    );
    await expect(started).rejects.toThrow(/broken exited before it was ready \(exit code 3\)/);
    await expect(started).rejects.toThrow(/bad setting: X[\s\S]*reading configuration/);
  });

  it("also takes the ready line from standard error", async () => {
    const server = await child(
      "console.error('listening on http://127.0.0.1:2'); setInterval(() => {}, 1000);",
    );
    try {
      expect(server.url).toBe("http://127.0.0.1:2");
    } finally {
      await server.stop();
    }
  });

  it("empties the output file past its cap, and the child's later lines land at its start", async () => {
    // 40 MiB in one go, then a marker line a second and a half later, once the cap has been applied.
    const server = await child(
      "console.log('listening on http://127.0.0.1:4'); process.stdout.write('x'.repeat(40 * 1024 * 1024) + '\\n'); setTimeout(() => console.log('after the cap'), 2500); setInterval(() => {}, 1000);",
    );
    try {
      await expect
        .poll(() => server.recentOutput(), { timeout: 10_000, interval: 200 })
        .toContain("after the cap");
      // The marker is at the start of an emptied file, not after 40 MiB of holes or text.
      expect(server.recentOutput()).not.toContain("xxxx");
    } finally {
      await server.stop();
    }
  });

  it("stops the child and removes its output file", async () => {
    const server = await child(
      "console.log('listening on http://127.0.0.1:3'); setInterval(() => {}, 1000);",
    );
    expect(server.recentOutput()).toContain("listening on");
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
    // The tail is read from the file: with the file gone there is nothing left to show.
    expect(server.recentOutput()).not.toContain("listening on");
  });
});
