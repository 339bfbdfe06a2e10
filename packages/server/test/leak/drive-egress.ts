// The leak canary's egress traffic: connections, the proxy on every method it serves, and the HTTP request action —
// the echo upstream reflects what it received, so every answer holds the injected value unless Coffer redacts it.
import { expect } from "vitest";
import { expectStatus } from "./traffic.ts";
import { ENV_PATH, PROJECT, segment, type World } from "./world.ts";

const CONNECTIONS = `/v1/projects/${PROJECT}/connections`;
const PROXY = `/v1/proxy/${PROJECT}/development`;
/** Every method of the proxy route, as the OpenAPI document lists them. */
const PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

export async function driveConnections(w: World): Promise<void> {
  const { traffic: t, listOnly } = w;
  const value = w.canary.value;
  const create = (label: string, body: unknown, as = {}) =>
    t.send(label, "POST", CONNECTIONS, { body, ...as });
  expectStatus(
    await create("create the echo connection", {
      name: "echo",
      baseUrl: w.echo.url,
      headers: { authorization: "Bearer $SECRET/LEAK_PROXY" },
      query: { key: "{{ secrets.LEAK_PROXY }}" },
    }),
    201,
  );
  expectStatus(
    await create("create a small connection", {
      name: "small",
      baseUrl: w.echo.url,
      headers: { authorization: "Bearer $SECRET/LEAK_PROXY" },
      methods: ["GET", "POST"],
      paths: ["/ok/**"],
      maxBodyBytes: 16,
    }),
    201,
  );
  expectStatus(
    await create("base URL with a password in it", {
      name: "creds",
      baseUrl: `https://svc:${segment(value)}@api.example.com`,
    }),
    400,
  );
  expectStatus(
    await create("header template with a line break after a pasted value", {
      name: "broken",
      baseUrl: w.echo.url,
      headers: { authorization: `Bearer ${value}\r\nx: $SECRET/LEAK_PROXY` },
    }),
    400,
  );
  expectStatus(
    await create("too-long name holding the canary", { name: `c${value}`.repeat(3), baseUrl: w.echo.url }),
    400,
  );
  expectStatus(
    await create("no permission to create", { name: "nope", baseUrl: w.echo.url }, { as: listOnly }),
    403,
  );
  expectStatus(await t.send("list connections", "GET", CONNECTIONS), 200);
  expectStatus(
    await t.send("list connections without permission", "GET", CONNECTIONS, { as: w.useOnly }),
    403,
  );
  expectStatus(await t.send("read a connection", "GET", `${CONNECTIONS}/echo`), 200);
  expectStatus(await t.send("read a missing connection", "GET", `${CONNECTIONS}/ghost`), 404);
  expectStatus(
    await t.send("update a connection", "PATCH", `${CONNECTIONS}/small`, { body: { description: "tiny" } }),
    200,
  );
  expectStatus(
    await t.send("update with a pasted value in a bad header name", "PATCH", `${CONNECTIONS}/small`, {
      body: { headers: { [`x-${value}`]: "$SECRET/LEAK_PROXY" } },
    }),
    400,
  );
  expectStatus(await create("create a connection to delete", { name: "gone", baseUrl: w.echo.url }), 201);
  expectStatus(await t.send("delete a connection", "DELETE", `${CONNECTIONS}/gone`), 204);
  expectStatus(await t.send("delete it again", "DELETE", `${CONNECTIONS}/gone`), 404);
}

export async function driveProxy(w: World): Promise<void> {
  const { traffic: t, useOnly, listOnly } = w;
  const value = w.canary.value;
  for (const method of PROXY_METHODS) {
    const body = method === "GET" || method === "HEAD" ? undefined : '{"hello":"upstream"}';
    const reply = await t.send(`proxy ${method}`, method, `${PROXY}/echo/v1/thing?x=1`, {
      as: useOnly,
      ...(body === undefined ? {} : { body }),
    });
    expectStatus(reply, 200);
    // The echo reflects the injected header (and query): Coffer shows the secret's name instead of its value.
    expect(reply.headers.get("x-echo-authorization")).toBe("Bearer [REDACTED:LEAK_PROXY]");
    if (method !== "HEAD") {
      const echoed = JSON.parse(reply.text) as { headers: Record<string, string> };
      expect(echoed.headers["authorization"]).toBe("Bearer [REDACTED:LEAK_PROXY]");
    }
    expectStatus(
      await t.send(`proxy ${method} without permission`, method, `${PROXY}/echo/v1/thing`, {
        as: listOnly,
        ...(body === undefined ? {} : { body }),
      }),
      403,
    );
  }
  expect(w.echo.received.at(-1)?.headers.authorization).toBe(`Bearer ${value}`);
  expectStatus(
    await t.send("proxy an upstream error", "GET", `${PROXY}/echo/status/500`, { as: useOnly }),
    500,
  );
  expectStatus(
    await t.send("proxy a path the connection refuses", "GET", `${PROXY}/small/other`, { as: useOnly }),
    403,
  );
  expectStatus(
    await t.send(
      "proxy a body over the connection's limit, holding the canary",
      "POST",
      `${PROXY}/small/ok/x`,
      {
        as: useOnly,
        body: JSON.stringify({ pasted: value }),
      },
    ),
    413,
  );
  expectStatus(
    await t.send("proxy with a pasted value as the connection name", "GET", `${PROXY}/${segment(value)}/x`, {
      as: useOnly,
    }),
    404,
  );
}

export async function driveHttpAction(w: World): Promise<void> {
  const { traffic: t, useOnly, listOnly } = w;
  const value = w.canary.value;
  const action = `${ENV_PATH}/http`;
  const reply = await t.send("HTTP action", "POST", action, {
    as: useOnly,
    body: {
      method: "POST",
      url: `${w.echo.url}/charge/$SECRET/LEAK_ACTION?via=path`,
      headers: { authorization: "Bearer $SECRET/LEAK_ACTION" },
      query: { key: "{{ secrets.LEAK_ACTION }}" },
      body: { note: "key is {{ secrets.LEAK_ACTION }}" },
    },
  });
  expectStatus(reply, 200);
  expect(reply.body.headers["x-echo-authorization"]).toBe("Bearer [REDACTED:LEAK_ACTION]");
  expect(JSON.parse(reply.body.body).headers.authorization).toBe("Bearer [REDACTED:LEAK_ACTION]");
  expect(w.echo.received.at(-1)?.headers.authorization).toBe(`Bearer ${value}`);
  expectStatus(
    await t.send("HTTP action to a destination the secret does not allow", "POST", action, {
      as: useOnly,
      body: {
        method: "GET",
        url: "https://api.example.com/x",
        headers: { authorization: "$SECRET/LEAK_ACTION" },
      },
    }),
    403,
  );
  expectStatus(
    await t.send("HTTP action with a body on a GET, holding the canary", "POST", action, {
      as: useOnly,
      body: { method: "GET", url: `${w.echo.url}/x`, headers: { a: "$SECRET/LEAK_ACTION" }, body: value },
    }),
    400,
  );
  expectStatus(
    await t.send("HTTP action with a pasted value and no reference", "POST", action, {
      as: useOnly,
      body: { method: "GET", url: `${w.echo.url}/x`, headers: { authorization: `Bearer ${value}` } },
    }),
    400,
  );
  expectStatus(
    await t.send("HTTP action without permission", "POST", action, {
      as: listOnly,
      body: { method: "GET", url: `${w.echo.url}/x`, headers: { a: "$SECRET/LEAK_ACTION" } },
    }),
    403,
  );
}
