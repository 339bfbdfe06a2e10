// Serves the web UI at `/`: its built files, index.html for the UI's own addresses (the SPA fallback),
// the security headers on every page, and a how-to-build page when there is no build.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../http/app-type.ts";
import { DEFAULT_WEB_DIR, loadWebAssets, type WebAsset, type WebAssets } from "./web-assets.ts";

/**
 * No inline script or style at all: the build emits files only, and React sets styles through the DOM.
 * `connect-src 'self'`: the UI talks to this server and nowhere else.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Coffer: web UI not built</title></head>
<body>
<h1>Coffer's web UI has not been built</h1>
<p>This server is running, and its REST API answers under <code>/v1</code>, but it found no built web UI.</p>
<p>In the Coffer repository, run:</p>
<pre>npm run build</pre>
<p>then reload this page.</p>
</body>
</html>
`;

/** A path that names a file (has an extension) gets a 404 when missing, never index.html in its place. */
const FILE_LIKE = /\/[^/]*\.[A-Za-z0-9]+$/;

function setPageHeaders(reply: FastifyReply): void {
  reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
  reply.header("x-frame-options", "DENY");
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "no-referrer");
  reply.header("cross-origin-opener-policy", "same-origin");
  reply.header("cross-origin-resource-policy", "same-origin");
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: WebAsset) {
  reply.header("content-type", asset.contentType);
  reply.header("cache-control", asset.cacheControl);
  if (asset.gzip === undefined) return reply.send(asset.body);
  reply.header("vary", "accept-encoding");
  const accepts = String(request.headers["accept-encoding"] ?? "");
  if (!/\bgzip\b/.test(accepts)) return reply.send(asset.body);
  reply.header("content-encoding", "gzip");
  return reply.send(asset.gzip);
}

export type WebRoutesOptions = {
  /** The built UI; default packages/web/dist. */
  dir?: string;
};

/** Registers GET `/` and `/*` (every path no API route claims); `/v1/…` stays the API's, with its JSON 404. */
export function registerWebRoutes(app: App, options: WebRoutesOptions = {}): void {
  const dir = options.dir ?? DEFAULT_WEB_DIR;
  let assets: WebAssets | undefined = loadWebAssets(dir);

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0] ?? "/";
    if (path === "/v1" || path.startsWith("/v1/")) return reply.callNotFound();
    setPageHeaders(reply);
    // A server started before `npm run build` picks the build up without a restart.
    assets ??= loadWebAssets(dir);
    if (assets === undefined) {
      return reply.status(503).header("content-type", "text/html; charset=utf-8").send(NOT_BUILT_PAGE);
    }
    const asset = assets.files.get(path);
    if (asset !== undefined) return sendAsset(request, reply, asset);
    if (FILE_LIKE.test(path)) {
      return reply.status(404).header("content-type", "text/plain; charset=utf-8").send("Not found\n");
    }
    return sendAsset(request, reply, assets.index);
  };

  const route = { config: { public: true }, schema: { hide: true } };
  app.get("/", route, handler);
  app.get("/*", route, handler);
}
