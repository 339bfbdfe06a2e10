// The HTTP request action through HTTP: references in headers, query and body, destination binding, and every
// trick that tries to send a secret elsewhere — each refused with a 403 naming its rule, before anything is sent.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, secretsPath, startServer, type TestServer } from "./helpers.ts";
import { startEchoUpstream, startRedirectUpstream, type Upstream } from "./upstreams.ts";

let coffer: TestServer;
let strict: TestServer;
let echo: Upstream;
let sink: Upstream;
let redirect: Upstream;
const VALUE = `sk_live_${randomBytes(18).toString("hex")}`;
const action = "/v1/projects/pay/environments/production/http";

beforeAll(async () => {
  [coffer, strict] = await Promise.all([
    startServer({ env: { COFFER_PROXY_ALLOW_LOOPBACK: "1" } }),
    startServer(),
  ]);
  [echo, sink] = await Promise.all([startEchoUpstream(), startEchoUpstream()]);
  redirect = await startRedirectUpstream(`${sink.url}/stolen`);
  for (const server of [coffer, strict]) {
    await server.api("POST", "/v1/projects", { slug: "pay" });
    const secrets = secretsPath("pay", "production");
    const bound = await server.api("POST", secrets, {
      key: "STRIPE_KEY",
      value: VALUE,
      allowedDestinations: [`127.0.0.1:${echo.port}`, `localhost:${echo.port}`, `127.0.0.1:${redirect.port}`],
    });
    expect(bound.status).toBe(201);
    await server.api("POST", secrets, { key: "UNBOUND", value: "unbound-value-123" });
    await server.api("POST", secrets, {
      key: "GITHUB",
      value: "ghp_value_123",
      allowedDestinations: ["api.github.com"],
    });
  }
});
afterAll(async () => {
  await Promise.all([coffer.close(), strict.close(), echo.close(), sink.close(), redirect.close()]);
});

describe("the HTTP request action", () => {
  it("resolves references in headers, query and a JSON body, and returns the answer redacted", async () => {
    const response = await coffer.api("POST", action, {
      method: "POST",
      url: `${echo.url}/v1/charges?currency=eur`,
      headers: { Authorization: "Bearer $SECRET/STRIPE_KEY" },
      query: { key: "{{ secrets.STRIPE_KEY }}" },
      body: { amount: 100, note: "key is {{secrets.STRIPE_KEY}}" },
    });
    expect(response.status, response.text).toBe(200);
    const seen = echo.received.at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${VALUE}`);
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(seen.url).toBe(`/v1/charges?currency=eur&key=${VALUE}`);
    expect(JSON.parse(seen.body)).toEqual({ amount: 100, note: `key is ${VALUE}` });
    expect(response.body).toMatchObject({ status: 200, bodyEncoding: "utf8" });
    expect(response.body.headers["x-echo-authorization"]).toBe("Bearer [REDACTED:STRIPE_KEY]");
    expect(JSON.parse(response.body.body).headers.authorization).toBe("Bearer [REDACTED:STRIPE_KEY]");
    expect(response.text).not.toContain(VALUE);
  });

  it("sends a string body as it is", async () => {
    const response = await coffer.api("POST", action, {
      method: "PUT",
      url: `${echo.url}/form`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=$SECRET/STRIPE_KEY&x=1",
    });
    expect(response.status).toBe(200);
    expect(echo.received.at(-1)!.body).toBe(`token=${VALUE}&x=1`);
    expect(response.text).not.toContain(VALUE);
  });

  it("normalises case and a trailing dot: the same host is the same destination", async () => {
    const response = await coffer.api("POST", action, {
      method: "GET",
      url: `http://LOCALHOST.:${echo.port}/v1/ping`,
      headers: { authorization: "Bearer $SECRET/STRIPE_KEY" },
    });
    expect(response.status, response.text).toBe(200);
    expect(echo.received.at(-1)!.headers.host).toBe(`localhost:${echo.port}`);
  });

  it("returns a redirect to the caller and never follows it", async () => {
    const response = await coffer.api("POST", action, {
      method: "GET",
      url: `${redirect.url}/pay`,
      headers: { authorization: "Bearer $SECRET/STRIPE_KEY" },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 302, headers: { location: `${sink.url}/stolen` } });
    expect(sink.received).toEqual([]);
  });

  it("records each use with its destination, never the value", async () => {
    await coffer.api("POST", action, {
      method: "GET",
      url: `${echo.url}/audited`,
      headers: { authorization: "Bearer $SECRET/STRIPE_KEY" },
    });
    const audit = await coffer.api("GET", "/v1/audit?action=secret.use&limit=1");
    expect(audit.body.events[0]).toMatchObject({
      key: "STRIPE_KEY",
      project: "pay",
      environment: "production",
      details: { via: "http", destination: `127.0.0.1:${echo.port}`, method: "GET" },
    });
    expect(audit.text).not.toContain(VALUE);
  });

  it("works for a token with secrets:use alone, which still never sees the value", async () => {
    const token = await createToken(coffer, { projects: ["pay"], permissions: ["secrets:use"] });
    const response = await coffer.api(
      "POST",
      action,
      { method: "GET", url: `${echo.url}/x`, headers: { authorization: "Bearer $SECRET/STRIPE_KEY" } },
      token,
    );
    expect(response.status).toBe(200);
    expect(response.text).toContain("[REDACTED:STRIPE_KEY]");
    expect(response.text).not.toContain(VALUE);
    const listOnly = await createToken(coffer, { projects: ["pay"], permissions: ["secrets:list"] });
    const refused = await coffer.api(
      "POST",
      action,
      { method: "GET", url: `${echo.url}/x`, headers: { a: "$SECRET/STRIPE_KEY" } },
      listOnly,
    );
    expect(refused.status).toBe(403);
  });

  it("refuses a request that references no secret", async () => {
    const response = await coffer.api("POST", action, { method: "GET", url: `${echo.url}/plain` });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/references no secret/);
  });
});

describe("destination binding refuses every trick with a 403 naming the rule", () => {
  const auth = { authorization: "Bearer $SECRET/STRIPE_KEY" };
  const cases: [string, () => Record<string, unknown>, string][] = [
    [
      "user information before the host",
      () => ({ url: `http://127.0.0.1:${echo.port}@evil.test/` }),
      "userinfo",
    ],
    ["an IP address in decimal", () => ({ url: `http://2130706433:${echo.port}/` }), "ip_literal_form"],
    ["an IP address in octal", () => ({ url: `http://0177.0.0.1:${echo.port}/` }), "ip_literal_form"],
    ["an IP address in hexadecimal", () => ({ url: `http://0x7f.0.0.1:${echo.port}/` }), "ip_literal_form"],
    [
      "an IP address the secret does not list",
      () => ({ url: `http://127.0.0.2:${echo.port}/` }),
      "ip_literal",
    ],
    [
      "a look-alike internationalised name",
      () => ({ url: `http://lоcalhost:${echo.port}/` }),
      "destination_not_allowed",
    ],
    ["another host", () => ({ url: "http://evil.test/" }), "destination_not_allowed"],
    [
      "the allowed host with a suffix",
      () => ({ url: `http://localhost.evil.test:${echo.port}/` }),
      "destination_not_allowed",
    ],
    ["another port", () => ({ url: `http://localhost:${echo.port + 1}/` }), "destination_not_allowed"],
    ["a .. segment", () => ({ url: `${echo.url}/v1/../admin` }), "dot_segment"],
    ["a percent-encoded .. segment", () => ({ url: `${echo.url}/v1/%2E%2e/admin` }), "dot_segment"],
    ["an encoded slash", () => ({ url: `${echo.url}/v1%2Fadmin` }), "encoded_slash"],
    ["a backslash", () => ({ url: `${echo.url}/v1\\admin` }), "encoded_slash"],
    ["a reference in the host", () => ({ url: "http://$SECRET/STRIPE_KEY.evil.test/" }), "reference_in_host"],
    [
      "a braces reference in the host",
      () => ({ url: "http://{{secrets.STRIPE_KEY}}.evil.test/" }),
      "reference_in_host",
    ],
    [
      "a secret without allowed destinations",
      () => ({ url: `${echo.url}/`, headers: { "x-key": "$SECRET/UNBOUND" } }),
      "no_allowed_destinations",
    ],
    [
      "a second secret bound elsewhere",
      () => ({ url: `http://localhost:${echo.port}/`, headers: { ...auth, "x-gh": "$SECRET/GITHUB" } }),
      "destination_not_allowed",
    ],
  ];

  for (const [trick, request, rule] of cases) {
    it(`${trick} → ${rule}`, async () => {
      const before = echo.received.length;
      const response = await coffer.api("POST", action, { method: "GET", headers: auth, ...request() });
      expect(response.status, response.text).toBe(403);
      expect(response.body.error).toMatchObject({ code: "egress_refused", details: { rule } });
      expect(response.body.error.message).toMatch(new RegExp(`^Refused by rule "${rule}": `));
      expect(response.text).not.toContain(VALUE);
      expect(echo.received.length).toBe(before);
    });
  }

  it("shows a look-alike name in punycode and in the Unicode it stands for", async () => {
    const response = await coffer.api("POST", action, {
      method: "GET",
      headers: auth,
      url: `http://lоcalhost:${echo.port}/`,
    });
    expect(response.body.error.message).toContain('"xn--lcalhost-nbh:');
    expect(response.body.error.message).toContain('(an internationalised name, shown as "lоcalhost")');
  });
});

describe("without COFFER_PROXY_ALLOW_LOOPBACK", () => {
  const auth = { authorization: "Bearer $SECRET/STRIPE_KEY" };

  it("refuses plain http", async () => {
    const response = await strict.api("POST", action, { method: "GET", url: `${echo.url}/`, headers: auth });
    expect(response.status).toBe(403);
    expect(response.body.error.details.rule).toBe("https_required");
  });

  it("refuses a loopback IP address even when the secret allows it", async () => {
    const response = await strict.api("POST", action, {
      method: "GET",
      url: `https://127.0.0.1:${echo.port}/`,
      headers: auth,
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ details: { rule: "private_address" } });
    expect(response.body.error.message).toMatch(/127\.0\.0\.1 is a loopback address/);
  });

  it("refuses a name that resolves to a loopback address, at connect time", async () => {
    const before = echo.received.length;
    const response = await strict.api("POST", action, {
      method: "GET",
      url: `https://localhost:${echo.port}/`,
      headers: auth,
    });
    expect(response.status).toBe(403);
    expect(response.body.error.details.rule).toBe("private_address");
    expect(response.body.error.message).toMatch(/"localhost" resolves to .*loopback address/);
    expect(echo.received.length).toBe(before);
  });

  it("refuses connections to http, loopback and private base URLs", async () => {
    for (const [baseUrl, rule] of [
      ["http://api.example.com", "https_required"],
      ["https://localhost:8443", "private_address"],
      ["https://10.0.0.1", "private_address"],
      ["https://[::1]:8443", "private_address"],
      ["https://user@api.example.com", "userinfo"],
    ] as const) {
      const response = await strict.api("POST", "/v1/projects/pay/connections", { name: "c", baseUrl });
      expect(response.status, baseUrl).toBe(400);
      expect(response.body.error.details, baseUrl).toMatchObject({ field: "baseUrl", rule });
    }
  });
});
