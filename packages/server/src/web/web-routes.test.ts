import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../http/app-type.ts";
import { CONTENT_SECURITY_POLICY, registerWebRoutes } from "./web-routes.ts";

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-1a2b.js"></script></head></html>';
const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))});`;

describe("the web UI routes", () => {
  let dir: string;
  let app: App;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "coffer-web-routes-"));
    app = Fastify().withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
    app.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: { code: "not_found" } }));
    registerWebRoutes(app, { dir });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function build(): void {
    mkdirSync(join(dir, "assets"), { recursive: true });
    writeFileSync(join(dir, "index.html"), INDEX);
    writeFileSync(join(dir, "assets", "app-1a2b.js"), SCRIPT);
    writeFileSync(join(dir, "favicon.svg"), "<svg/>");
  }

  it("says how to build the UI when there is no build, with the page headers, and picks a build up later", async () => {
    const missing = await app.inject({ url: "/" });
    expect(missing.statusCode).toBe(503);
    expect(missing.headers["content-type"]).toContain("text/html");
    expect(missing.body).toContain("npm run build");
    expect(missing.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);

    build();
    const built = await app.inject({ url: "/" });
    expect(built.statusCode).toBe(200);
    expect(built.body).toBe(INDEX);
  });

  it("answers the UI's own addresses with index.html, and sets the security headers on every page", async () => {
    build();
    for (const url of ["/", "/projects/billing/env/production", "/tokens?x=1", "/audit"]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(INDEX);
      expect(response.headers["cache-control"], url).toBe("no-store");
      expect(response.headers["content-security-policy"], url).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers["x-frame-options"], url).toBe("DENY");
      expect(response.headers["referrer-policy"], url).toBe("no-referrer");
      expect(response.headers["x-content-type-options"], url).toBe("nosniff");
    }
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
  });

  it("serves built files with their type, gzip when asked, and long caching for hashed assets", async () => {
    build();
    const plain = await app.inject({ url: "/assets/app-1a2b.js" });
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toContain("immutable");
    expect(plain.body).toBe(SCRIPT);

    const zipped = await app.inject({
      url: "/assets/app-1a2b.js",
      headers: { "accept-encoding": "gzip, br" },
    });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers["vary"]).toBe("accept-encoding");
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(SCRIPT);

    expect((await app.inject({ url: "/favicon.svg" })).headers["content-type"]).toBe("image/svg+xml");
  });

  it("gives a missing file a 404 rather than the page, and leaves /v1 to the API", async () => {
    build();
    const asset = await app.inject({ url: "/assets/gone-9z8y.js" });
    expect(asset.statusCode).toBe(404);
    expect(asset.body).not.toContain("<html");
    for (const url of ["/v1", "/v1/unknown", "/v1/projects/x/nope"]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toEqual({ error: { code: "not_found" } });
    }
    // Outside the web root, whatever the spelling.
    // Only the files of the build are served, whatever the spelling of a path out of it.
    for (const url of ["/../package.json", "/assets/..%2f..%2fpackage.json", "/%2e%2e/%2e%2e/package.json"]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).toBe("Not found\n");
    }
  });
});
