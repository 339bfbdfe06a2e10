// Makes sure packages/web/dist holds a build of the current sources before a browser test serves it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = fileURLToPath(new URL("../../", import.meta.url));
const REPO_DIR = join(WEB_DIR, "..", "..");
const DIST_INDEX = join(WEB_DIR, "dist", "index.html");
const LOCK = join(WEB_DIR, ".build-lock");
const SOURCES = ["src", "public", "index.html", "vite.config.ts"];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...readdirSync(path, { recursive: true, encoding: "utf8" }).map(
      (name) => statSync(join(path, name)).mtimeMs,
    ),
  );
}

function isFresh(): boolean {
  if (!existsSync(DIST_INDEX)) return false;
  const built = statSync(DIST_INDEX).mtimeMs;
  return SOURCES.every((source) => newestMtime(join(WEB_DIR, source)) <= built);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `npm test` builds first, so this is usually a no-op; run alone (or after an edit), a test file builds
 * the UI itself. Test files run in parallel, so one builds while the others wait on a lock directory.
 */
export async function ensureWebBuild(): Promise<void> {
  for (let waited = 0; !isFresh(); waited += 200) {
    try {
      mkdirSync(LOCK);
    } catch {
      if (waited > 120_000) throw new Error(`Timed out waiting for another build (remove ${LOCK} if stale)`);
      await sleep(200);
      continue;
    }
    try {
      if (isFresh()) return;
      const result = spawnSync(
        process.execPath,
        [join(REPO_DIR, "node_modules/vite/bin/vite.js"), "build", WEB_DIR],
        {
          cwd: REPO_DIR,
          encoding: "utf8",
        },
      );
      if (result.status !== 0)
        throw new Error(`The web UI build failed:\n${result.stdout}\n${result.stderr}`);
      return;
    } finally {
      rmdirSync(LOCK);
    }
  }
}
