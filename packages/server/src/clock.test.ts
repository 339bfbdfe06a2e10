import { describe, expect, it } from "vitest";
import { isoClock } from "./clock.ts";

describe("isoClock", () => {
  it("gives the ISO 8601 form of the clock's millisecond, formatted again only when it moves", () => {
    let ms = Date.UTC(2026, 10, 23, 12, 0, 0, 5);
    const now = isoClock(() => ms);
    expect(now()).toBe("2026-11-23T12:00:00.005Z");
    expect(now()).toBe("2026-11-23T12:00:00.005Z");
    ms += 1;
    expect(now()).toBe("2026-11-23T12:00:00.006Z");
    ms -= 1_000;
    expect(now()).toBe("2026-11-23T11:59:59.006Z");
  });
});
