// request.log made lazily: nothing is built for a request that logs nothing, and what is logged is what a pino child
// would have written.
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { lazyChildLogger } from "./request-logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: "info", base: { service: "coffer" } }, stream) };
}

describe("lazyChildLogger", () => {
  it("makes the child only when the request logs", () => {
    const { logger } = capture();
    let children = 0;
    const counting = Object.assign(Object.create(logger), {
      child: (...args: Parameters<typeof logger.child>) => {
        children++;
        return logger.child(...args);
      },
    });
    const quiet = lazyChildLogger(counting, { reqId: "r1" }, {});
    expect(quiet.level).toBe("info");
    // A route's own level (Fastify's logLevel) is the child's level before the child exists.
    expect(lazyChildLogger(counting, { reqId: "r0" }, { level: "warn" }).level).toBe("warn");
    expect(children).toBe(0);
    const noisy = lazyChildLogger(counting, { reqId: "r2" }, {});
    noisy.warn({ code: "x" }, "first");
    noisy.error("second");
    expect(children).toBe(1);
  });

  it("writes what a child with the same bindings writes, levels included", () => {
    const { lines, logger } = capture();
    const log = lazyChildLogger(logger, { reqId: "r3" }, {});
    log.debug("below the level");
    log.warn({ code: "upstream_timeout" }, "broke off");
    log.child({ part: "audit" }).error("nested");
    log.level = "debug";
    log.debug("now shown");
    expect(lines.map(({ time: _time, pid: _pid, hostname: _host, ...rest }) => rest)).toEqual([
      { level: 40, service: "coffer", reqId: "r3", code: "upstream_timeout", msg: "broke off" },
      { level: 50, service: "coffer", reqId: "r3", part: "audit", msg: "nested" },
      { level: 20, service: "coffer", reqId: "r3", msg: "now shown" },
    ]);
  });
});
