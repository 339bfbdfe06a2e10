// The egress proxy through HTTP, against local upstreams: injection, streaming, redaction, header hygiene, the
// connection's rules, and what a caller that may use but not reveal can learn.
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, secretsPath, startServer, type TestServer } from "./helpers.ts";
import {
  largeBodyBlock,
  type SseUpstream,
  startEchoUpstream,
  startRedirectUpstream,
  startSseUpstream,
  type Upstream,
} from "./upstreams.ts";

let coffer: TestServer;
let echo: Awaited<ReturnType<typeof startEchoUpstream>>;
let sse: SseUpstream;
let sink: Upstream;
let redirect: Upstream;
let useToken: string;
const VALUE = `sk-test-${randomBytes(18).toString("base64url")}`;
const proxy = (connection: string, rest: string, env = "development") =>
  `/v1/proxy/llm/${env}/${connection}${rest}`;

async function createConnection(body: Record<string, unknown>) {
  const response = await coffer.api("POST", "/v1/projects/llm/connections", body);
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/** A request with the path exactly as written (fetch would resolve "..", this does not). */
function rawRequest(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(coffer.url);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        headers: { authorization: `Bearer ${useToken}`, ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: response.headers,
          }),
        );
      },
    );
    request.on("error", reject);
    request.end();
  });
}

beforeAll(async () => {
  coffer = await startServer({ env: { COFFER_PROXY_ALLOW_LOOPBACK: "1" } });
  [echo, sse, sink] = await Promise.all([startEchoUpstream(), startSseUpstream(), startEchoUpstream()]);
  redirect = await startRedirectUpstream(`${sink.url}/stolen`);
  await coffer.api("POST", "/v1/projects", { slug: "llm" });
  await coffer.api("POST", secretsPath("llm", "development"), { key: "OPENAI_API_KEY", value: VALUE });
  await coffer.api("POST", secretsPath("llm", "production"), {
    key: "OPENAI_API_KEY",
    value: `${VALUE}-prod`,
  });
  const auth = { authorization: "Bearer $SECRET/OPENAI_API_KEY" };
  await createConnection({ name: "echo", baseUrl: echo.url, headers: auth });
  await createConnection({ name: "sse", baseUrl: sse.url, headers: auth });
  await createConnection({ name: "moved", baseUrl: redirect.url, headers: auth });
  await createConnection({
    name: "strict",
    baseUrl: `${echo.url}/api`,
    headers: auth,
    methods: ["GET"],
    paths: ["/v1/**"],
    maxBodyBytes: 16,
  });
  await createConnection({ name: "small", baseUrl: echo.url, headers: auth, maxBodyBytes: 16 });
  useToken = await createToken(coffer, { projects: ["llm"], permissions: ["secrets:use"] });
});
afterAll(async () => {
  await coffer.close();
  await Promise.all([echo, sse, sink, redirect].map((upstream) => upstream.close()));
});

describe("managing connections", () => {
  it("creates a connection from the openai preset with just a name and a secret", async () => {
    const created = await createConnection({ name: "openai", preset: "openai", secret: "OPENAI_API_KEY" });
    expect(created).toMatchObject({
      name: "openai",
      preset: "openai",
      baseUrl: "https://api.openai.com",
      headers: { authorization: "Bearer $SECRET/OPENAI_API_KEY" },
      paths: ["/v1/**"],
      methods: null,
      references: ["OPENAI_API_KEY"],
      createdBy: { type: "token" },
    });
    const anthropic = await createConnection({
      name: "claude",
      preset: "anthropic",
      secret: "ANTHROPIC_KEY",
    });
    expect(anthropic.headers).toEqual({
      "x-api-key": "$SECRET/ANTHROPIC_KEY",
      "anthropic-version": "2023-06-01",
    });
    const listed = await coffer.api("GET", "/v1/projects/llm/connections");
    expect(listed.body.connections.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(["claude", "echo", "openai", "sse"]),
    );
  });

  it("updates, refuses an update that changes nothing, and deletes", async () => {
    await createConnection({ name: "temp", baseUrl: "https://api.example.com/v1/" });
    const got = await coffer.api("GET", "/v1/projects/llm/connections/temp");
    expect(got.body.baseUrl).toBe("https://api.example.com/v1");
    const updated = await coffer.api("PATCH", "/v1/projects/llm/connections/temp", {
      methods: ["get", "POST"],
      query: { key: "{{ secrets.OPENAI_API_KEY }}" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ methods: ["GET", "POST"], references: ["OPENAI_API_KEY"] });
    const same = await coffer.api("PATCH", "/v1/projects/llm/connections/temp", { methods: ["GET", "POST"] });
    expect(same.status).toBe(422);
    expect((await coffer.api("DELETE", "/v1/projects/llm/connections/temp")).status).toBe(204);
    expect((await coffer.api("GET", "/v1/projects/llm/connections/temp")).status).toBe(404);
  });

  it("refuses duplicates, malformed templates (with their position) and reserved headers", async () => {
    const duplicate = await coffer.api("POST", "/v1/projects/llm/connections", {
      name: "echo",
      baseUrl: echo.url,
    });
    expect(duplicate.status).toBe(409);
    const malformed = await coffer.api("POST", "/v1/projects/llm/connections", {
      name: "broken",
      baseUrl: echo.url,
      headers: { authorization: "Bearer {{ secrets.KEY" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(
      /headers\["authorization"\]: Malformed secret reference .* at line 1, column 8/,
    );
    const reserved = await coffer.api("POST", "/v1/projects/llm/connections", {
      name: "broken",
      baseUrl: echo.url,
      headers: { Host: "x" },
    });
    expect(reserved.status).toBe(400);
  });
});

describe("the proxy", () => {
  it("injects the secret, forwards path, query and body, and never the caller's credentials", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/v1/chat/completions?stream=false&n=2")}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${useToken}`,
        cookie: "coffer_session=abc",
        "x-csrf-token": "csrf",
        "content-type": "application/json",
        "x-trace": "t-1",
      },
      body: JSON.stringify({ model: "gpt", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    const seen = echo.received.at(-1)!;
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/v1/chat/completions?stream=false&n=2");
    expect(seen.headers.authorization).toBe(`Bearer ${VALUE}`);
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers["x-csrf-token"]).toBeUndefined();
    expect(seen.headers["x-trace"]).toBe("t-1");
    expect(seen.headers["accept-encoding"]).toBe("identity");
    expect(JSON.parse(seen.body)).toEqual({ model: "gpt", messages: [{ role: "user", content: "hi" }] });
    expect(JSON.stringify(seen)).not.toContain(useToken);
  });

  it("redacts the value wherever the upstream reflects it: body and headers", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/reflect")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    const text = await response.text();
    expect(text).toContain('"authorization":"Bearer [REDACTED:OPENAI_API_KEY]"');
    expect(response.headers.get("x-echo-authorization")).toBe("Bearer [REDACTED:OPENAI_API_KEY]");
    expect(response.headers.get("content-length")).toBeNull();
    expect(text).not.toContain(VALUE);
  });

  it("gives an answer the upstream sized its redacted length, and streams one that comes in pieces", async () => {
    const headers = { authorization: `Bearer ${useToken}` };
    const whole = await rawRequest(proxy("echo", "/sized"));
    expect(whole.body).toContain('"authorization":"Bearer [REDACTED:OPENAI_API_KEY]"');
    expect(whole.body).not.toContain(VALUE);
    expect(whole.headers["content-length"]).toBe(String(Buffer.byteLength(whole.body)));
    expect(whole.headers["transfer-encoding"]).toBeUndefined();
    // Its length differs from the upstream's, which counted the value.
    expect(Buffer.byteLength(whole.body)).not.toBe(
      Buffer.byteLength(whole.body.replaceAll("[REDACTED:OPENAI_API_KEY]", VALUE)),
    );
    const pieces = await rawRequest(proxy("echo", "/split-sized"));
    expect(pieces.body).toContain("Bearer [REDACTED:OPENAI_API_KEY]");
    expect(pieces.body).not.toContain(VALUE.slice(0, VALUE.length / 2));
    expect(pieces.headers["content-length"]).toBeUndefined();
    expect(pieces.headers["transfer-encoding"]).toBe("chunked");
    // Nothing to redact: the upstream's length as it is.
    await createConnection({ name: "unsecret", baseUrl: echo.url });
    const plain = await fetch(`${coffer.url}${proxy("unsecret", "/sized")}`, { headers });
    const text = await plain.text();
    expect(plain.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
    expect(text).not.toContain(VALUE);
  });

  it("redacts a value that arrives split across two chunks", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/split")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    const text = await response.text();
    expect(text).toContain("Bearer [REDACTED:OPENAI_API_KEY]");
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(VALUE.slice(0, VALUE.length / 2));
  });

  it("streams server-sent events as they come: the first arrives while the upstream has sent only it", async () => {
    const response = await fetch(`${coffer.url}${proxy("sse", "/v1/chat/completions")}`, {
      method: "POST",
      headers: { authorization: `Bearer ${useToken}`, "content-type": "application/json" },
      body: JSON.stringify({ stream: true }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    const events: { index: number; sentWhenSeen: number }[] = [];
    let reads = 0;
    let done = false;
    while (!done) {
      const chunk = await reader.read();
      done = chunk.done;
      if (chunk.value === undefined) continue;
      reads++;
      buffered += decoder.decode(chunk.value, { stream: true });
      let end = buffered.indexOf("\n\n");
      while (end !== -1) {
        const data = buffered.slice(6, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf("\n\n");
        if (data === "[DONE]") continue;
        const event = JSON.parse(data) as { choices: { delta: { content: string } }[]; auth: string };
        expect(event.auth).toBe("Bearer [REDACTED:OPENAI_API_KEY]");
        events.push({
          index: Number(event.choices[0]!.delta.content.split(" ")[1]),
          sentWhenSeen: sse.sent(),
        });
        if (events.length === 1) sse.release();
      }
    }
    expect(events.map((event) => event.index)).toEqual([...Array(100).keys()]);
    // The first event reached the caller before the upstream wrote the second one: nothing waited for the end.
    expect(events[0]!.sentWhenSeen).toBe(1);
    // Later events kept arriving while the upstream was still writing.
    expect(events.filter((event) => event.sentWhenSeen < 100).length).toBeGreaterThan(50);
    expect(reads).toBeGreaterThan(10);
  });

  it("returns a redirect to the caller without following it", async () => {
    const response = await fetch(`${coffer.url}${proxy("moved", "/v1/anything")}`, {
      headers: { authorization: `Bearer ${useToken}` },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${sink.url}/stolen`);
    expect(sink.received).toEqual([]);
  });

  it("drops hop-by-hop headers both ways, and upstream headers that would act on Coffer's origin", async () => {
    // fetch refuses to send Connection itself: node:http does.
    const raw = await rawRequest(proxy("echo", "/hop"), {
      connection: "keep-alive, x-private",
      "x-private": "1",
      te: "trailers",
      "proxy-authorization": "Basic eA==",
      "x-public": "2",
    });
    expect(raw.status).toBe(200);
    const seen = echo.received.at(-1)!;
    expect(seen.headers["x-private"]).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
    expect(seen.headers["proxy-authorization"]).toBeUndefined();
    expect(seen.headers["x-public"]).toBe("2");
    const response = await fetch(`${coffer.url}${proxy("echo", "/hop")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(response.headers.get("x-hop-secret")).toBeNull();
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("x-kept")).toBe("yes");
    expect(response.headers.get("x-upstream-request-id")).toBe("upstream-1");
    expect(response.headers.get("x-request-id")).not.toBe("upstream-1");
    expect(response.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
    expect(response.headers.get("cache-control")).toBe("no-store");
    // Coffer's own headers on every answer are there on a proxied one too.
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("passes the upstream's error statuses through as they are", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/status/429")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(response.status).toBe(429);
    expect(await response.text()).not.toContain(VALUE);
  });

  it("answers HEAD, and a 204 upstream, through a connection without secrets, and goes on serving", async () => {
    // Found by fuzzing: with nothing to redact the upstream body is passed as it is; left unread, it was destroyed
    // with no error listener, and the abort error it then emits was an uncaught exception that ended the process.
    await createConnection({ name: "plain", baseUrl: echo.url });
    const headers = { authorization: `Bearer ${useToken}` };
    const head = await fetch(`${coffer.url}${proxy("plain", "/anything")}`, { method: "HEAD", headers });
    expect(head.status).toBe(200);
    const empty = await fetch(`${coffer.url}${proxy("plain", "/status/204")}`, { headers });
    expect(empty.status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${coffer.url}${proxy("plain", "/after")}`, { headers })).status).toBe(200);
  });

  it("resolves in the environment of the request, and a changed value is used by the very next request", async () => {
    await fetch(`${coffer.url}${proxy("echo", "/", "production")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(echo.received.at(-1)!.headers.authorization).toBe(`Bearer ${VALUE}-prod`);
    const next = `${VALUE}-rotated`;
    await coffer.api("PATCH", `${secretsPath("llm", "production")}/OPENAI_API_KEY`, { value: next });
    const response = await fetch(`${coffer.url}${proxy("echo", "/", "production")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(echo.received.at(-1)!.headers.authorization).toBe(`Bearer ${next}`);
    expect(await response.text()).toContain("[REDACTED:OPENAI_API_KEY]");
  });

  it("records every use in the audit log with the connection, never the value", async () => {
    await fetch(`${coffer.url}${proxy("echo", "/audited")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    const audit = await coffer.api("GET", "/v1/audit?action=secret.use&limit=5");
    expect(audit.body.events[0]).toMatchObject({
      action: "secret.use",
      outcome: "success",
      project: "llm",
      environment: "development",
      key: "OPENAI_API_KEY",
      version: 1,
      details: { via: "proxy", connection: "echo", method: "GET" },
    });
    expect(audit.text).not.toContain(VALUE);
  });

  it("writes the request's log line once the answer has gone, like any other route", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/logged")}`, {
      headers: { authorization: `Bearer ${useToken}`, "x-request-id": "proxied-7d1e" },
    });
    expect(response.headers.get("x-request-id")).toBe("proxied-7d1e");
    await response.text();
    await expect
      .poll(() =>
        coffer.logs
          .join("")
          .split("\n")
          .find((line) => line.includes('"reqId":"proxied-7d1e"')),
      )
      .toBeDefined();
    const line = coffer.logs
      .join("")
      .split("\n")
      .find((candidate) => candidate.includes('"reqId":"proxied-7d1e"'));
    expect(JSON.parse(line!)).toMatchObject({
      msg: "request",
      method: "GET",
      route: "/v1/proxy/:project/:env/:connection/*",
      status: 200,
    });
  });
});

describe("the proxy's relaying of a body", () => {
  it("relays a 32 MiB answer intact to a caller that reads slowly", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/large/32")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(response.status).toBe(200);
    const block = largeBodyBlock();
    const reader = response.body!.getReader();
    let offset = 0;
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Compared as it comes, so the test holds no more than a chunk; the first reads are slow, which fills
      // Coffer's socket buffer and makes it pause the upstream.
      for (let at = 0; at < value.length; ) {
        const inBlock = (offset + at) % block.length;
        const length = Math.min(value.length - at, block.length - inBlock);
        const expected = block.subarray(inBlock, inBlock + length);
        expect(Buffer.from(value.buffer, value.byteOffset + at, length).equals(expected)).toBe(true);
        at += length;
      }
      offset += value.length;
      if (++reads <= 3) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(offset).toBe(32 * 1024 * 1024);
  });

  it("cuts the caller off when the upstream's answer breaks off, logs it without values, and goes on serving", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/broken")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    await expect.poll(() => coffer.logs.join("").includes("answer broke off")).toBe(true);
    expect(coffer.logs.join("")).not.toContain(VALUE);
    const next = await fetch(`${coffer.url}${proxy("echo", "/after-broken")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(next.status).toBe(200);
    expect(await next.text()).toContain("[REDACTED:OPENAI_API_KEY]");
  });

  it("answers 502 when the upstream drops its answer before any of the body, and audits the failure", async () => {
    const response = await fetch(`${coffer.url}${proxy("echo", "/broken-early")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_unavailable");
    // Recorded before the answer went out, like every other failure: no waiting needed here.
    const audit = await coffer.api("GET", "/v1/audit?action=secret.use&outcome=error&limit=1");
    expect(audit.body.events[0]).toMatchObject({
      action: "secret.use",
      outcome: "error",
      project: "llm",
      environment: "development",
      details: { status: 502 },
    });
    expect(audit.body.events[0].requestId).toBe(response.headers.get("x-request-id"));
    const next = await fetch(`${coffer.url}${proxy("echo", "/after-early")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(next.status).toBe(200);
    await next.text();
  });

  it("stops reading the upstream's answer when the caller goes away", async () => {
    const aborter = new AbortController();
    const response = await fetch(`${coffer.url}${proxy("echo", "/slow")}`, {
      headers: { authorization: `Bearer ${useToken}` },
      signal: aborter.signal,
    });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("line 0");
    expect(echo.closedEarly()).toBe(false);
    aborter.abort();
    await expect.poll(() => echo.closedEarly(), { timeout: 3000 }).toBe(true);
  });
});

describe("the proxy's refusals", () => {
  it("refuses a method or a path the connection does not allow, naming the rule, before anything is sent", async () => {
    const before = echo.received.length;
    const post = await fetch(`${coffer.url}${proxy("strict", "/v1/models")}`, {
      method: "POST",
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(post.status).toBe(403);
    expect(await post.json()).toMatchObject({
      error: { code: "egress_refused", details: { rule: "method_not_allowed" } },
    });
    const path = await fetch(`${coffer.url}${proxy("strict", "/admin")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(path.status).toBe(403);
    expect((await path.json()).error.message).toMatch(/^Refused by rule "path_not_allowed"/);
    for (const [rest, rule] of [
      ["/v1/../admin", "dot_segment"],
      ["/v1/%2e%2E/admin", "dot_segment"],
      ["/v1%2F..%2Fadmin", "encoded_slash"],
      ["/v1/a%5Cb", "encoded_slash"],
    ] as const) {
      const response = await rawRequest(proxy("strict", rest));
      expect(response.status, rest).toBe(403);
      expect(JSON.parse(response.body).error.details.rule, rest).toBe(rule);
    }
    const allowed = await fetch(`${coffer.url}${proxy("strict", "/v1/models")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(allowed.status).toBe(200);
    expect(echo.received.length).toBe(before + 1);
    expect(echo.received.at(-1)!.url).toBe("/api/v1/models");
  });

  it("refuses a body over the connection's limit, declared or streamed", async () => {
    const declared = await fetch(`${coffer.url}${proxy("small", "/upload")}`, {
      method: "POST",
      headers: { authorization: `Bearer ${useToken}`, "content-type": "text/plain" },
      body: "x".repeat(100),
    });
    expect(declared.status).toBe(413);
    const streamed = await fetch(`${coffer.url}${proxy("small", "/upload")}`, {
      method: "POST",
      headers: { authorization: `Bearer ${useToken}`, "content-type": "text/plain" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("y".repeat(64)));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(echo.received.some((request) => request.body.includes("y".repeat(64)))).toBe(false);
  });

  it("streams a body past the API's 1 MiB JSON limit, up to the connection's own limit", async () => {
    const big = "z".repeat(2 * 1024 * 1024);
    const response = await fetch(`${coffer.url}${proxy("echo", "/upload")}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${useToken}`, "content-type": "application/octet-stream" },
      body: big,
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(echo.received.at(-1)!.body.length).toBe(big.length);
  });

  it("answers 404 for an unknown connection, and 400 naming a secret missing from the environment", async () => {
    const unknown = await fetch(`${coffer.url}${proxy("nope", "/")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).toBe('Connection "nope" not found in project "llm"');
    const missing = await fetch(`${coffer.url}${proxy("echo", "/", "staging")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatchObject({
      code: "secret_not_found",
      message: expect.stringContaining('Secret "OPENAI_API_KEY" referenced in headers.authorization'),
    });
  });

  it("needs secrets:use: a token with only secrets:list is refused", async () => {
    const listOnly = await createToken(coffer, { projects: ["llm"], permissions: ["secrets:list"] });
    const response = await fetch(`${coffer.url}${proxy("echo", "/")}`, {
      headers: { authorization: `Bearer ${listOnly}` },
    });
    expect(response.status).toBe(403);
  });
});

describe("a caller that may use secrets but not reveal them", () => {
  it("cannot read the value through any route", async () => {
    const base = `/v1/projects/llm/environments/development`;
    const attempts = await Promise.all([
      coffer.api("GET", `${base}/secrets/OPENAI_API_KEY/value`, undefined, useToken),
      coffer.api("GET", `${base}/secrets/OPENAI_API_KEY/versions/1/value`, undefined, useToken),
      coffer.api("POST", `${base}/values`, {}, useToken),
      coffer.api("POST", `${base}/resolve`, { template: "$SECRET/OPENAI_API_KEY" }, useToken),
      coffer.api("POST", `${base}/references/check`, { template: "$SECRET/OPENAI_API_KEY" }, useToken),
      coffer.api("GET", `${base}/secrets/OPENAI_API_KEY`, undefined, useToken),
    ]);
    expect(attempts.map((attempt) => attempt.status)).toEqual([403, 403, 403, 403, 403, 403]);
    const proxied = await fetch(`${coffer.url}${proxy("echo", "/again")}`, {
      headers: { authorization: `Bearer ${useToken}` },
    });
    const everything = [
      ...attempts.map((attempt) => attempt.text),
      await proxied.text(),
      ...proxied.headers.values(),
    ];
    expect(everything.join("\n")).not.toContain(VALUE);
  });
});
