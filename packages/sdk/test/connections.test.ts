import { describe, expect, it } from "vitest";
import type { Connection, HttpActionResult } from "../src/index.ts";
import { clientOf, fakeCoffer } from "./fake-coffer.ts";

const connection: Connection = {
  name: "openai",
  description: "",
  preset: "openai",
  baseUrl: "https://api.openai.com",
  headers: { authorization: "Bearer $SECRET/OPENAI_API_KEY" },
  query: {},
  methods: null,
  paths: ["/v1/**"],
  timeoutMs: 120_000,
  maxBodyBytes: 10_485_760,
  references: ["OPENAI_API_KEY"],
  createdAt: "t",
  createdBy: { type: "token", id: "root", name: "root" },
  updatedAt: "t",
  updatedBy: { type: "token", id: "root", name: "root" },
};

describe("connections", () => {
  it("creates from a preset, lists, reads, updates and deletes under the project's /connections", async () => {
    const server = await fakeCoffer((request) => {
      if (request.method === "DELETE") return { status: 204 };
      if (request.method === "GET" && request.url.endsWith("/connections"))
        return { json: { connections: [connection] } };
      return { status: request.method === "POST" ? 201 : 200, json: connection };
    });
    const { connections } = clientOf(server);

    expect(await connections.create({ name: "openai", preset: "openai", secret: "OPENAI_API_KEY" })).toEqual(
      connection,
    );
    expect(await connections.list()).toEqual([connection]);
    await connections.get("openai", { project: "web" });
    await connections.update("openai", { methods: ["POST"], paths: null });
    await connections.delete("openai");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'POST /v1/projects/payments/connections {"name":"openai","preset":"openai","secret":"OPENAI_API_KEY"}',
      "GET /v1/projects/payments/connections ",
      "GET /v1/projects/web/connections/openai ",
      'PATCH /v1/projects/payments/connections/openai {"methods":["POST"],"paths":null}',
      "DELETE /v1/projects/payments/connections/openai ",
    ]);
  });

  it("sends only the fields the API knows, whatever the object holds", async () => {
    const server = await fakeCoffer(() => ({ json: connection }));
    const loose = { description: "LLM", extra: "dropped" } as unknown as { description: string };
    await clientOf(server).connections.update("openai", loose);
    expect(server.requests[0]?.json).toEqual({ description: "LLM" });
  });
});

describe("the HTTP request action", () => {
  it("posts the request to …/http and returns the redacted answer", async () => {
    const result: HttpActionResult = {
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"auth":"Bearer [REDACTED:STRIPE_KEY]"}',
      bodyEncoding: "utf8",
    };
    const server = await fakeCoffer(() => ({ json: result }));
    const answer = await clientOf(server).proxy.request(
      {
        method: "POST",
        url: "https://api.stripe.com/v1/charges",
        headers: { authorization: "Bearer $SECRET/STRIPE_KEY" },
        body: { amount: 100 },
      },
      { environment: "staging" },
    );
    expect(answer).toEqual(result);
    expect(server.requests[0]?.url).toBe("/v1/projects/payments/environments/staging/http");
    expect(server.requests[0]?.json).toEqual({
      method: "POST",
      url: "https://api.stripe.com/v1/charges",
      headers: { authorization: "Bearer $SECRET/STRIPE_KEY" },
      body: { amount: 100 },
    });
  });

  it("surfaces a refusal with its rule", async () => {
    const server = await fakeCoffer(() => ({
      status: 403,
      json: {
        error: {
          code: "egress_refused",
          message: 'Refused by rule "userinfo": the URL has user information before its host',
          details: { rule: "userinfo" },
        },
      },
    }));
    await expect(
      clientOf(server).proxy.request({
        method: "GET",
        url: "https://api.stripe.com@evil.test/",
        headers: { a: "$SECRET/K" },
      }),
    ).rejects.toMatchObject({ status: 403, code: "egress_refused", details: { rule: "userinfo" } });
  });
});
