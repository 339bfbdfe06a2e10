import { describe, expect, it } from "vitest";
import { applyMergePatch } from "./merge-patch.ts";
import {
  goDuration,
  ignoredParametersWarning,
  parseBoolean,
  parseDuration,
  parseInteger,
  parseVersionList,
  VaultHttpError,
  vaultTime,
} from "./vault-wire.ts";

describe("Vault's wire formats", () => {
  it("writes times as Go's RFC3339Nano in UTC, with the fraction's trailing zeros trimmed", () => {
    expect(vaultTime("2026-01-05T10:11:12.123Z")).toBe("2026-01-05T10:11:12.123Z");
    expect(vaultTime("2026-01-05T10:11:12.120Z")).toBe("2026-01-05T10:11:12.12Z");
    expect(vaultTime("2026-01-05T10:11:12.000Z")).toBe("2026-01-05T10:11:12Z");
    expect(vaultTime(null)).toBe("");
  });

  it("writes durations as Go's time.Duration.String does", () => {
    const cases: [number, string][] = [
      [0, "0s"],
      [500, "500ms"],
      [1500, "1.5s"],
      [90_000, "1m30s"],
      [3_600_000, "1h0m0s"],
      [12_319_000, "3h25m19s"],
      [2_592_000_000, "720h0m0s"],
      [-1000, "-1s"],
    ];
    for (const [ms, text] of cases) expect(goDuration(ms)).toBe(text);
  });

  it("reads durations as seconds or as Go duration strings", () => {
    expect(parseDuration("d", 90)).toBe(90_000);
    expect(parseDuration("d", "90")).toBe(90_000);
    expect(parseDuration("d", "1h30m")).toBe(5_400_000);
    expect(parseDuration("d", "500ms")).toBe(500);
    expect(parseDuration("d", "-1s")).toBe(-1000);
    expect(() => parseDuration("d", "soon")).toThrow(/Field validation failed: .*for field "d"/);
  });

  it("refuses a duration longer than Go's (found by fuzzing: it was stored, and its secret's metadata then failed to read)", () => {
    expect(parseDuration("d", "2562047h")).toBe(2_562_047 * 3_600_000);
    for (const value of ["2562048h", "99999999999h", "99999999999999999999", 1e308]) {
      expect(() => parseDuration("d", value)).toThrow(
        /for field "d": the duration is longer than Go's limit/,
      );
    }
  });

  it("decodes integers, booleans and version lists as leniently as Vault", () => {
    expect([3, 3.0, "3", " 3 "].map((value) => parseInteger("cas", value))).toEqual([3, 3, 3, 3]);
    expect(() => parseInteger("cas", "three")).toThrow(VaultHttpError);
    expect([true, "true", "1", 1, "", "False"].map((value) => parseBoolean("b", value))).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(parseVersionList("versions", [1, 2])).toEqual([1, 2]);
    expect(parseVersionList("versions", ["1", "2"])).toEqual([1, 2]);
    expect(parseVersionList("versions", "1,2")).toEqual([1, 2]);
    expect(parseVersionList("versions", 3)).toEqual([3]);
    expect(parseVersionList("versions", undefined)).toEqual([]);
  });

  it("names the parameters an endpoint ignored, sorted", () => {
    expect(ignoredParametersWarning(["data", "zeta", "alpha"], ["data"])).toEqual([
      "Endpoint ignored these unrecognized parameters: [alpha zeta]",
    ]);
    expect(ignoredParametersWarning(["data"], ["data"])).toEqual([]);
  });
});

describe("JSON merge patch", () => {
  it("merges objects, replaces other values and removes members set to null (RFC 7396)", () => {
    const target = { a: "b", c: { d: "e", f: "g" }, list: [1, 2] };
    const patch = { a: "z", c: { f: null, h: 1 }, list: [3], added: true };
    expect(applyMergePatch(target, patch)).toEqual({ a: "z", c: { d: "e", h: 1 }, list: [3], added: true });
  });

  it("keeps a member named __proto__ as data", () => {
    const patched = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(patched)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
