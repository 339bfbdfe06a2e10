import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { Coffer, CofferError } from "../src/index.ts";
import { clientOf, fakeCoffer } from "./fake-coffer.ts";

async function failure(promise: Promise<unknown>): Promise<CofferError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CofferError);
  return error as CofferError;
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("error mapping", () => {
  it("turns Coffer's JSON error into a CofferError with status, code, message, details and request id", async () => {
    const server = await fakeCoffer(() => ({
      status: 403,
      headers: { "x-request-id": "req-abc" },
      json: {
        error: {
          code: "forbidden",
          message: "Missing permission",
          details: { permission: "secrets:reveal" },
        },
      },
    }));
    const error = await failure(clientOf(server).secrets.get("K"));

    expect(error).toMatchObject({
      name: "CofferError",
      status: 403,
      code: "forbidden",
      message: "Missing permission",
      details: { permission: "secrets:reveal" },
      requestId: "req-abc",
    });
    expect(error).toBeInstanceOf(Error);
  });

  it("gives a non-JSON error body a message naming the status, without repeating the body", async () => {
    const server = await fakeCoffer(() => ({ status: 502, text: "<html>Bad gateway from nginx</html>" }));
    const error = await failure(clientOf(server, { retries: 0 }).secrets.list());

    expect(error.status).toBe(502);
    expect(error.code).toBe("unavailable");
    expect(error.message).toBe("Coffer answered HTTP 502 Bad Gateway without an error description");
    expect(error.requestId).toBe("req-1");
  });

  it("passes the server's limit_reached and storage_full codes through with their details", async () => {
    const limit = await fakeCoffer(() => ({
      status: 409,
      json: {
        error: {
          code: "limit_reached",
          message: "This environment already holds 2 secrets",
          details: { limit: 2, setting: "COFFER_MAX_SECRETS_PER_ENVIRONMENT", held: 2, adding: 1 },
        },
      },
    }));
    const full = await fakeCoffer(() => ({
      status: 507,
      json: { error: { code: "storage_full", message: "The database is out of space" } },
    }));

    expect(await failure(clientOf(limit).secrets.create("K", "v"))).toMatchObject({
      status: 409,
      code: "limit_reached",
      details: { limit: 2, setting: "COFFER_MAX_SECRETS_PER_ENVIRONMENT" },
    });
    expect(await failure(clientOf(full).secrets.create("K", "v"))).toMatchObject({
      status: 507,
      code: "storage_full",
    });
  });

  it("names a 507 without Coffer's error body storage_full", async () => {
    const server = await fakeCoffer(() => ({ status: 507, text: "Insufficient Storage" }));
    const error = await failure(clientOf(server).secrets.create("K", "v"));
    expect(error).toMatchObject({ status: 507, code: "storage_full" });
  });

  it("reports a success answer that is not JSON as invalid_response", async () => {
    const server = await fakeCoffer(() => ({ status: 200, text: "<html>login page</html>" }));
    const error = await failure(clientOf(server).projects.list());
    expect(error).toMatchObject({ status: 200, code: "invalid_response" });
  });

  it("reports an unreachable server as network_error with status 0", async () => {
    const coffer = new Coffer({ url: await closedPortUrl(), token: "coffer_x", retries: 0 });
    const error = await failure(coffer.health());
    expect(error).toMatchObject({ status: 0, code: "network_error" });
    expect(error.message).toMatch(/^Could not reach Coffer at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
  });

  it("gives up on a slow server after timeoutMs with code timeout", async () => {
    const server = await fakeCoffer(() => ({ delayMs: 2_000, json: {} }));
    const started = Date.now();
    const error = await failure(clientOf(server, { timeoutMs: 50 }).secrets.get("K"));

    expect(error).toMatchObject({
      status: 0,
      code: "timeout",
      message: "Coffer did not answer within 50 ms",
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("rejects with code aborted when the caller's signal aborts", async () => {
    const server = await fakeCoffer(() => ({ delayMs: 2_000, json: {} }));
    const controller = new AbortController();
    const pending = clientOf(server).secrets.get("K", { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await failure(pending)).toMatchObject({ status: 0, code: "aborted" });
  });

  it("reports the caller's AbortSignal.timeout as a timeout too", async () => {
    const server = await fakeCoffer(() => ({ delayMs: 2_000, json: {} }));
    const error = await failure(clientOf(server).secrets.get("K", { signal: AbortSignal.timeout(20) }));
    expect(error.code).toBe("timeout");
  });

  it("never puts the token or a submitted value in an error message", async () => {
    const token = "coffer_do-not-leak-this-token";
    const value = "sk-live-do-not-leak-this-value";
    const unreachable = new Coffer({ url: await closedPortUrl(), token, project: "p", environment: "e" });
    const slow = await fakeCoffer(() => ({ delayMs: 2_000, json: {} }));
    const errors = [
      await failure(unreachable.secrets.create("K", value)),
      await failure(clientOf(slow, { token, timeoutMs: 20 }).secrets.update("K", value)),
      await failure(Promise.resolve().then(() => new Coffer({ url: "http://x", token: `${token}\n` }))),
      await failure(clientOf(slow, { csrfToken: `${token} \r\n` }).secrets.create("K", value)),
    ];
    for (const error of errors) {
      expect(error.message).not.toContain(token);
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error.details ?? {})).not.toContain(token);
    }
  });

  it("refuses a url that is not http(s) or carries credentials", () => {
    expect(() => new Coffer({ url: "not a url" })).toThrow(CofferError);
    expect(() => new Coffer({ url: "ftp://coffer.example.com" })).toThrow(/https:\/\/ or http:\/\//);
    expect(() => new Coffer({ url: "https://user:pw@coffer.example.com" })).toThrow(
      /must not contain credentials/,
    );
  });
});
