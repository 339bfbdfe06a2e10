import { describe, expect, it } from "vitest";
import { Coffer } from "../src/index.ts";
import { clientOf, fakeCoffer } from "./fake-coffer.ts";

const project = {
  id: "p1",
  slug: "payments",
  name: "Payments",
  description: "",
  createdAt: "t",
  updatedAt: "t",
};
const environment = { id: "e1", slug: "qa", name: "QA", createdAt: "t" };

describe("projects, environments and tokens", () => {
  it("manages projects through /v1/projects, unwrapping the list", async () => {
    const server = await fakeCoffer((request) => {
      if (request.method === "DELETE") return { status: 204 };
      if (request.url === "/v1/projects" && request.method === "GET")
        return { json: { projects: [project] } };
      return { json: project };
    });
    const { projects } = clientOf(server);

    expect(await projects.list()).toEqual([project]);
    await projects.get("payments");
    await projects.create({ slug: "payments", name: "Payments", environments: ["dev", "prod"] });
    await projects.update("payments", { description: "Card processing" });
    await projects.delete("payments", { force: true });
    await projects.delete("payments");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      "GET /v1/projects ",
      "GET /v1/projects/payments ",
      'POST /v1/projects {"slug":"payments","name":"Payments","environments":["dev","prod"]}',
      'PATCH /v1/projects/payments {"description":"Card processing"}',
      "DELETE /v1/projects/payments?force=true ",
      "DELETE /v1/projects/payments ",
    ]);
  });

  it("manages the environments of the default project, or of the one a call names", async () => {
    const server = await fakeCoffer((request) => {
      if (request.method === "DELETE") return { status: 204 };
      if (request.method === "GET") return { json: { environments: [environment] } };
      return { status: 201, json: environment };
    });
    const { environments } = clientOf(server);

    expect(await environments.list()).toEqual([environment]);
    await environments.create({ slug: "qa", name: "QA" }, { project: "web" });
    await environments.delete("qa", { force: true });
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      "GET /v1/projects/payments/environments ",
      'POST /v1/projects/web/environments {"slug":"qa","name":"QA"}',
      "DELETE /v1/projects/payments/environments/qa?force=true ",
    ]);
  });

  it("creates, lists and revokes API tokens", async () => {
    const token = {
      id: "tok_1",
      name: "ci",
      projects: ["payments"],
      environments: null,
      permissions: ["secrets:list"],
      expiresAt: null,
      createdAt: "t",
      createdBy: { type: "token", id: "root", name: "root" },
      lastUsedAt: null,
    };
    const server = await fakeCoffer((request) => {
      if (request.method === "DELETE") return { status: 204 };
      if (request.method === "GET") return { json: { tokens: [token] } };
      return { status: 201, json: { ...token, token: "coffer_new" } };
    });
    const { tokens } = clientOf(server);

    const created = await tokens.create({
      name: "ci",
      projects: ["payments"],
      permissions: ["secrets:list"],
    });
    expect(created.token).toBe("coffer_new");
    expect(await tokens.list()).toEqual([token]);
    await tokens.revoke("tok_1");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'POST /v1/tokens {"name":"ci","projects":["payments"],"permissions":["secrets:list"]}',
      "GET /v1/tokens ",
      "DELETE /v1/tokens/tok_1 ",
    ]);
  });

  it("checks health at /healthz, under the url's path prefix when there is one", async () => {
    const server = await fakeCoffer(() => ({ json: { status: "ok" } }));
    const coffer = new Coffer({ url: `${server.url}/coffer/` });
    expect(await coffer.health()).toEqual({ status: "ok" });
    expect(server.requests[0]?.url).toBe("/coffer/healthz");
    expect(server.requests[0]?.headers["authorization"]).toBeUndefined();
  });
});

describe("references and the proxy", () => {
  it("resolves a template by posting it and returns the resolved document", async () => {
    const server = await fakeCoffer(() => ({
      json: { resolved: { headers: { Authorization: "Bearer sk-live" } } },
    }));
    const resolved = await clientOf(server).resolve({
      headers: { Authorization: "Bearer $SECRET/OPENAI_API_KEY" },
    });

    expect(resolved.headers.Authorization).toBe("Bearer sk-live");
    expect(server.requests[0]?.method).toBe("POST");
    expect(server.requests[0]?.url).toBe("/v1/projects/payments/environments/production/resolve");
    expect(server.requests[0]?.json).toEqual({
      template: { headers: { Authorization: "Bearer $SECRET/OPENAI_API_KEY" } },
    });
  });

  it("resolves a string template to a string", async () => {
    const server = await fakeCoffer(() => ({ json: { resolved: "Bearer sk-live" } }));
    const resolved: string = await clientOf(server).resolve("Bearer $SECRET/K", { environment: "staging" });
    expect(resolved).toBe("Bearer sk-live");
    expect(server.requests[0]?.url).toBe("/v1/projects/payments/environments/staging/resolve");
    expect(server.requests[0]?.json).toEqual({ template: "Bearer $SECRET/K" });
  });

  it("checks the references of a template without resolving them", async () => {
    const check = {
      ok: true,
      references: [
        {
          reference: "{{ secrets.DB.password }}",
          key: "DB",
          field: "password",
          syntax: "braces",
          location: { path: [], line: 1, column: 3, offset: 2 },
          exists: true,
          problem: null,
        },
      ],
    };
    const server = await fakeCoffer(() => ({ json: check }));
    expect(await clientOf(server).references.check("x {{ secrets.DB.password }}")).toEqual(check);
    expect(server.requests[0]?.url).toBe("/v1/projects/payments/environments/production/references/check");
    expect(server.requests[0]?.json).toEqual({ template: "x {{ secrets.DB.password }}" });
  });

  it("proxies a request to a connection and returns the upstream's response as is, error status included", async () => {
    const server = await fakeCoffer(() => ({
      status: 429,
      text: "slow down",
      headers: { "content-type": "text/plain" },
    }));
    const response = await clientOf(server).proxy.fetch("openai", "/v1/chat/completions?stream=true", {
      method: "POST",
      headers: { "content-type": "application/json", "x-trace": "1" },
      body: JSON.stringify({ model: "gpt" }),
      environment: "staging",
    });

    expect(response.status).toBe(429);
    expect(await response.text()).toBe("slow down");
    const [request] = server.requests;
    expect(request?.url).toBe("/v1/proxy/payments/staging/openai/v1/chat/completions?stream=true");
    expect(request?.headers["authorization"]).toBe("Bearer coffer_test-token");
    expect(request?.headers["x-trace"]).toBe("1");
    expect(request?.json).toEqual({ model: "gpt" });
    expect(server.requests).toHaveLength(1);
  });

  it("hands back a streaming proxied response before the upstream has finished it", async () => {
    let finish = (): void => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const { createServer } = await import("node:http");
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n");
      void finished.then(() => res.end("data: last\n\n"));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const { port } = upstream.address() as { port: number };
    try {
      const coffer = new Coffer({ url: `http://127.0.0.1:${port}`, project: "p", environment: "e" });
      const response = await coffer.proxy.fetch("llm", "chat");
      const reader = response.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
      finish();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: last\n\n");
    } finally {
      finish();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it("refuses a proxied path with a dot segment that would leave the proxy", async () => {
    const server = await fakeCoffer();
    const { proxy } = clientOf(server);
    await expect(proxy.fetch("openai", "/v1/../../../projects")).rejects.toMatchObject({
      code: "validation_error",
    });
    await expect(proxy.fetch("openai", "a/%2E%2e/b")).rejects.toMatchObject({ code: "validation_error" });
    await expect(proxy.fetch("openai", "a\\..\\b")).rejects.toMatchObject({ code: "validation_error" });
    expect(server.requests).toHaveLength(0);
  });
});

describe("browser sessions and custom transport", () => {
  it("sends cookies with credentials, the CSRF token on writes only, and no Authorization without a token", async () => {
    const server = await fakeCoffer(() => ({ json: { secrets: [], nextCursor: null } }));
    const credentials: (RequestCredentials | undefined)[] = [];
    const coffer = new Coffer({
      url: server.url,
      project: "p",
      environment: "e",
      credentials: "include",
      csrfToken: () => "csrf-123",
      headers: { "x-client": "web" },
      fetch: (input, init) => {
        credentials.push(init?.credentials);
        return fetch(input, init);
      },
    });
    await coffer.secrets.list();
    await coffer.secrets.values();

    expect(credentials).toEqual(["include", "include"]);
    const [get, post] = server.requests;
    expect(get?.headers["x-csrf-token"]).toBeUndefined();
    expect(post?.headers["x-csrf-token"]).toBe("csrf-123");
    expect(get?.headers["x-client"]).toBe("web");
    expect(get?.headers["authorization"]).toBeUndefined();
  });
});
