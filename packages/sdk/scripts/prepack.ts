// Runs before `npm pack` and `npm publish`: builds dist/ and points package.json at it, because npm's
// publishConfig cannot override `exports`. postpack.ts puts the workspace package.json back.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const manifestPath = new URL("../package.json", import.meta.url);
const backupPath = new URL("../package.json.workspace", import.meta.url);
const distPath = new URL("../dist", import.meta.url);
const buildConfig = fileURLToPath(new URL("../tsconfig.build.json", import.meta.url));

// What consumers of the tarball resolve: the built JavaScript and its declarations.
const published = {
  exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
  main: "./dist/index.js",
  types: "./dist/index.d.ts",
};

// A pack that failed before its postpack left the published manifest in place: start from the real one.
if (existsSync(backupPath)) renameSync(backupPath, manifestPath);

rmSync(distPath, { recursive: true, force: true });
execFileSync("tsc", ["-p", buildConfig], { stdio: "inherit" });

const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
copyFileSync(manifestPath, backupPath);
// The scripts refer to files the tarball does not contain.
delete manifest["scripts"];
writeFileSync(manifestPath, `${JSON.stringify({ ...manifest, ...published }, null, 2)}\n`);
