import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../src/retry.ts";
import { clientOf, fakeCoffer, recordedSleep, secretMetadata } from "./fake-coffer.ts";

const unavailable = { status: 503, json: { error: { code: "unavailable", message: "Try again" } } };
const page = { json: { secrets: [], nextCursor: null } };

describe("retries", () => {
  it("waits as long as Retry-After says in seconds, then retries a GET", async () => {
    const server = await fakeCoffer((_, index) =>
      index === 0 ? { ...unavailable, headers: { "retry-after": "2" } } : page,
    );
    const { delays, sleep } = recordedSleep();
    await clientOf(server, { sleep }).secrets.list();

    expect(delays).toEqual([2_000]);
    expect(server.requests).toHaveLength(2);
  });

  it("waits until a Retry-After given as an HTTP date", async () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    const server = await fakeCoffer((_, index) =>
      index === 0 ? { status: 429, headers: { "retry-after": "Sun, 01 Jun 2025 12:00:03 GMT" } } : page,
    );
    const { delays, sleep } = recordedSleep();
    await clientOf(server, { sleep, now: () => now }).secrets.list();
    expect(delays).toEqual([3_000]);
  });

  it("backs off exponentially with full jitter when there is no Retry-After", async () => {
    const server = await fakeCoffer((_, index) => (index < 2 ? { status: 502 } : page));
    const { delays, sleep } = recordedSleep();
    await clientOf(server, { sleep, random: () => 0.5, retryBaseDelayMs: 100 }).secrets.list();

    expect(delays).toEqual([50, 100]);
    expect(server.requests).toHaveLength(3);
  });

  it("caps the backoff at maxRetryDelayMs", async () => {
    const server = await fakeCoffer((_, index) => (index < 3 ? { status: 504 } : page));
    const { delays, sleep } = recordedSleep();
    const coffer = clientOf(server, {
      sleep,
      random: () => 0.999,
      retries: 3,
      retryBaseDelayMs: 400,
      maxRetryDelayMs: 1_000,
    });
    await coffer.secrets.list();
    expect(delays).toEqual([399, 799, 999]);
  });

  it("stops after the configured number of retries and throws the last error", async () => {
    const server = await fakeCoffer(() => ({
      status: 429,
      json: { error: { code: "rate_limited", message: "Too many requests" } },
    }));
    const error = await clientOf(server, { retries: 2 })
      .secrets.list()
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(server.requests).toHaveLength(3);
  });

  it("surfaces the error instead of waiting when Retry-After exceeds maxRetryDelayMs", async () => {
    const server = await fakeCoffer(() => ({ ...unavailable, headers: { "retry-after": "3600" } }));
    await expect(clientOf(server).secrets.list()).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it("never retries a POST, not even the read-only values request", async () => {
    const server = await fakeCoffer(() => unavailable);
    const coffer = clientOf(server);
    await expect(coffer.secrets.create("K", "v")).rejects.toMatchObject({ status: 503 });
    await expect(coffer.secrets.values()).rejects.toMatchObject({ status: 503 });
    await expect(coffer.references.check("$SECRET/K")).rejects.toMatchObject({ status: 503 });
    expect(server.requests.map((r) => r.method)).toEqual(["POST", "POST", "POST"]);
  });

  it("never retries a PATCH, nor a GET that failed with 500", async () => {
    const server = await fakeCoffer(() => ({
      status: 500,
      json: { error: { code: "internal", message: "Bug" } },
    }));
    const coffer = clientOf(server);
    await expect(coffer.secrets.update("K", "v")).rejects.toMatchObject({ status: 500 });
    await expect(coffer.secrets.describe("K")).rejects.toMatchObject({ code: "internal" });
    expect(server.requests).toHaveLength(2);
  });

  it("retries a GET whose connection dropped, and a DELETE answered 502", async () => {
    const server = await fakeCoffer((request, index) => {
      if (index === 0) return { hangUp: true };
      if (index === 2) return { status: 502 };
      return request.method === "DELETE" ? { status: 204 } : { json: secretMetadata("K") };
    });
    const coffer = clientOf(server);
    expect((await coffer.secrets.describe("K")).key).toBe("K");
    await coffer.secrets.delete("K");
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "GET", "DELETE", "DELETE"]);
  });

  it("counts the waits between retries against timeoutMs", async () => {
    const server = await fakeCoffer(() => ({ ...unavailable, headers: { "retry-after": "5" } }));
    const started = Date.now();
    const coffer = clientOf(server, { timeoutMs: 100, sleep: undefined });
    await expect(coffer.secrets.list()).rejects.toMatchObject({ code: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates, and ignores anything else", () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 7 ", now)).toBe(7_000);
    expect(parseRetryAfter("Sun, 01 Jun 2025 12:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Sun, 01 Jun 2025 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
