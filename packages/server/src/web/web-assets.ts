// The web UI's built files (packages/web/dist), read once into memory with their content types and gzip forms.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** Where `npm run build` puts the UI, relative to this file: packages/server/src/web → packages/web/dist. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

export type WebAsset = {
  body: Buffer;
  /** Present when compression saves something worth having. */
  gzip: Buffer | undefined;
  contentType: string;
  cacheControl: string;
};

export type WebAssets = {
  /** URL path (`/assets/index-3f2a.js`) → file. */
  files: ReadonlyMap<string, WebAsset>;
  index: WebAsset;
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

const COMPRESSIBLE = new Set([".html", ".js", ".css", ".json", ".map", ".svg", ".txt"]);

function cacheControlOf(path: string): string {
  // Vite names these by their content hash: a new build gets new names, so they never change.
  if (path.startsWith("/assets/")) return "public, max-age=31536000, immutable";
  // index.html names the current assets: always fetched afresh, so a new build shows at once.
  if (path === "/index.html") return "no-store";
  return "public, max-age=3600";
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The built UI in `dir`, or undefined when there is no build there (no index.html). */
export function loadWebAssets(dir: string): WebAssets | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const files = new Map<string, WebAsset>();
  for (const file of listFiles(dir)) {
    const path = `/${relative(dir, file).split(sep).join("/")}`;
    const extension = extname(file).toLowerCase();
    const body = readFileSync(file);
    const compressed = COMPRESSIBLE.has(extension) && body.length > 1024 ? gzipSync(body) : undefined;
    files.set(path, {
      body,
      gzip: compressed !== undefined && compressed.length < body.length * 0.9 ? compressed : undefined,
      contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
      cacheControl: cacheControlOf(path),
    });
  }
  const index = files.get("/index.html");
  if (index === undefined) return undefined;
  return { files, index };
}
