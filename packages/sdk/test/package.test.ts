// The published artifact: `npm pack` builds a tarball that installs into a fresh project and works
// from plain JavaScript and from TypeScript, without this repository's sources.

import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const repoRoot = join(packageDir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "coffer-sdk-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// npm variables inherited from `npm test` (a workspace filter, say) would change what the inner npm does.
const env: Record<string, string | undefined> = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")),
);
// prepack runs `tsc`, found on the PATH as npm would find it in the repository.
env["PATH"] = [join(repoRoot, "node_modules", ".bin"), dirname(process.execPath), process.env["PATH"]].join(
  ":",
);

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

const consumerScript = `
import { createServer } from "node:http";
import { Coffer, CofferError } from "@coffer/sdk";

const server = createServer((req, res) => {
  if (req.url === "/healthz") return res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
  if (req.url.endsWith("/secrets/payments%2Fdb/value")) {
    return res.writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ key: "payments/db", version: 1, data: { password: req.headers.authorization } }));
  }
  res.writeHead(404, { "content-type": "application/json", "x-request-id": "r1" })
    .end('{"error":{"code":"not_found","message":"No such secret"}}');
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const coffer = new Coffer({ url: "http://127.0.0.1:" + server.address().port, token: "coffer_t", project: "p", environment: "e" });
const health = await coffer.health();
const secret = await coffer.secrets.get("payments/db");
const error = await coffer.secrets.get("missing").catch((e) => e);
server.close();
console.log(JSON.stringify({ health, secret, isCofferError: error instanceof CofferError, code: error.code }));
`;

const consumerTypes = `
import { Coffer, CofferError, type Secret, type SecretValue } from "@coffer/sdk";

const coffer = new Coffer({ url: "https://coffer.example.com", token: "coffer_t", project: "p" });
export const listed: Promise<Secret[]> = coffer.secrets.list({ prefix: "payments" });
export const value: Promise<SecretValue> = coffer.secrets.get("payments/db", { environment: "production" });
export const code = (error: CofferError): string => error.code;
// @ts-expect-error: a key is a string, so the declarations are real types and not any.
coffer.secrets.get(42);
`;

it("packs a tarball that installs offline into a scratch project and works from JavaScript and TypeScript", () => {
  // A copy is packed because prepack rewrites package.json while the pack runs, and the test files
  // running meanwhile (the CLI's) resolve @coffer/sdk through this package's package.json.
  const source = join(work, "sdk");
  cpSync(packageDir, source, {
    recursive: true,
    filter: (path) => !/^(dist|node_modules)(\/|$)/.test(relative(packageDir, path)),
  });
  const manifestBefore = readFileSync(join(source, "package.json"), "utf8");
  const out = join(work, "out");
  mkdirSync(out);

  const packOutput = run("npm", ["pack", "--json", "--pack-destination", out], source);
  const [packed] = JSON.parse(packOutput.slice(packOutput.indexOf("["))) as [
    { filename: string; files: { path: string }[] },
  ];
  const files = packed.files.map((file) => file.path);
  expect(files).toEqual(
    expect.arrayContaining(["package.json", "README.md", "dist/index.js", "dist/index.d.ts"]),
  );
  expect(
    files.filter((path) => !path.startsWith("dist/") && path !== "package.json" && path !== "README.md"),
  ).toEqual([]);
  expect(readFileSync(join(source, "package.json"), "utf8")).toBe(manifestBefore);

  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(out, packed.filename)], app);

  const installed = JSON.parse(readFileSync(join(app, "node_modules/@coffer/sdk/package.json"), "utf8"));
  expect(installed.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
  expect(installed.dependencies).toBeUndefined();

  writeFileSync(join(app, "check.mjs"), consumerScript);
  expect(JSON.parse(run(process.execPath, ["check.mjs"], app))).toEqual({
    health: { status: "ok" },
    secret: { key: "payments/db", version: 1, data: { password: "Bearer coffer_t" } },
    isCofferError: true,
    code: "not_found",
  });

  writeFileSync(join(app, "check.ts"), consumerTypes);
  const tsconfig = {
    compilerOptions: {
      module: "nodenext",
      strict: true,
      noEmit: true,
      types: [],
      lib: ["es2022", "dom"],
      // Only the use of the declarations is checked, not lib.dom: that takes seconds.
      skipLibCheck: true,
    },
    files: ["check.ts"],
  };
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify(tsconfig));
  run(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "."], app);
}, 60_000);
