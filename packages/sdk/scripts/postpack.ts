// Runs after `npm pack` and `npm publish`: restores the workspace package.json that prepack.ts replaced.

import { existsSync, renameSync } from "node:fs";

const manifestPath = new URL("../package.json", import.meta.url);
const backupPath = new URL("../package.json.workspace", import.meta.url);

if (existsSync(backupPath)) renameSync(backupPath, manifestPath);
