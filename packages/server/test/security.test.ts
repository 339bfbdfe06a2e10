import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { generateMasterKey, serve } from "@coffer/server";
import { afterAll, describe, expect, it } from "vitest";
import { databaseEnv, rawSql, secretsPath, startServer, storedBytes, tempDir } from "./helpers.ts";

/** Every encoding of a value that a leak could take. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  return [
    value,
    bytes.toString("base64"),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    encodeURIComponent(value),
  ];
}

describe("a canary value", () => {
  it("never appears in the database files, the logs, or any non-reveal response", async () => {
    const canary = `canary-${randomBytes(12).toString("hex")}`;
    const coffer = await startServer();
    const base = secretsPath("leaks", "production");
    const responses: { route: string; text: string; headers: string }[] = [];
    const call = async (route: string, method: string, path: string, body?: unknown) => {
      const response = await coffer.api(method, path, body);
      responses.push({ route, text: response.text, headers: JSON.stringify([...response.headers]) });
      return response;
    };
    try {
      await call("create project", "POST", "/v1/projects", { slug: "leaks" });
      await call("create", "POST", base, { key: "CANARY", value: canary, description: "d" });
      await call("create multi", "POST", base, { key: "MULTI", fields: { a: canary, b: "x" } });
      await call("duplicate", "POST", base, { key: "CANARY", value: canary });
      await call("invalid key", "POST", base, { key: "1bad", value: canary });
      await call("bad json", "POST", base, `{"key":"X","value":"${canary}"`);
      await call("unknown field", "POST", base, { key: "X", value: canary, extra: canary });
      await call("too big", "POST", base, { key: "X", value: canary.repeat(5000) });
      await call("list", "GET", base);
      await call("describe", "GET", `${base}/CANARY`);
      await call("update same", "PATCH", `${base}/CANARY`, { value: canary });
      await call("update", "PATCH", `${base}/CANARY`, { value: `${canary}-2` });
      await call("versions", "GET", `${base}/CANARY/versions`);
      await call("rollback", "POST", `${base}/CANARY/rollback`, { version: 1 });
      await call("tokens", "GET", "/v1/tokens");
      await call("projects", "GET", "/v1/projects");
      await call("openapi", "GET", "/openapi.json");
      const reveal = await coffer.api("GET", `${base}/CANARY/value`);
      expect(reveal.body.data.value).toBe(canary);
      const bulk = await coffer.api("POST", "/v1/projects/leaks/environments/production/values", {});
      expect(bulk.text).toContain(canary);
      await call("delete", "DELETE", `${base}/MULTI`);
    } finally {
      await coffer.server.close();
    }
    const logs = coffer.logs.join("");
    expect(logs.length).toBeGreaterThan(0);
    const stored = await storedBytes(coffer.dataDir);
    for (const form of encodings(canary)) {
      for (const { route, text, headers } of responses) {
        expect(text.includes(form), `response of ${route}`).toBe(false);
        expect(headers.includes(form), `headers of ${route}`).toBe(false);
      }
      expect(logs.includes(form), "logs").toBe(false);
      expect(stored.includes(Buffer.from(form)), "database files").toBe(false);
    }
  });
});

describe("the request log", () => {
  it("has one line per request with its id, route pattern, status and actor, and neither token nor value", async () => {
    const coffer = await startServer();
    try {
      const canary = `canary-${randomBytes(16).toString("hex")}`;
      const base = secretsPath("logged", "production");
      await coffer.api("POST", "/v1/projects", { slug: "logged" });
      await coffer.api("POST", base, { key: "LOGGED", value: canary });
      const reveal = await fetch(`${coffer.url}${base}/LOGGED/value`, {
        headers: { authorization: `Bearer ${coffer.rootToken}`, "x-request-id": "trace-7f3a" },
      });
      expect(reveal.headers.get("x-request-id")).toBe("trace-7f3a");
      expect(((await reveal.json()) as { data: { value: string } }).data.value).toBe(canary);
      const denied = await coffer.api("GET", `${base}/LOGGED/value`, undefined, "coffer_not-a-real-token");
      expect(denied.status).toBe(401);
      // The lines are written after each response has gone: wait until the last one is there.
      await expect.poll(() => coffer.logs.join("").includes('"status":401')).toBe(true);
      const lines = coffer.logs
        .join("")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line["msg"] === "request");
      const revealLine = lines.find((line) => line["reqId"] === "trace-7f3a");
      expect(revealLine).toMatchObject({
        level: 30,
        service: "coffer",
        method: "GET",
        route: "/v1/projects/:project/environments/:env/secrets/:key/value",
        status: 200,
      });
      expect(revealLine?.["actor"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof revealLine?.["ms"]).toBe("number");
      const deniedLine = lines.find((line) => line["status"] === 401);
      expect(deniedLine?.["method"]).toBe("GET");
      expect(deniedLine).not.toHaveProperty("actor");
      // Every request got its line, each with its own generated id when the client sent none.
      expect(lines).toHaveLength(4);
      expect(new Set(lines.map((line) => line["reqId"])).size).toBe(4);
      const text = coffer.logs.join("");
      expect(text).not.toContain(canary);
      expect(text).not.toContain(coffer.rootToken);
      expect(text).not.toContain("coffer_not-a-real-token");
    } finally {
      await coffer.close();
    }
  });
});

describe("tampering", () => {
  it("a ciphertext moved to another secret's row fails to decrypt instead of leaking", async () => {
    const coffer = await startServer();
    const base = secretsPath("vault", "production");
    await coffer.api("POST", "/v1/projects", { slug: "vault" });
    await coffer.api("POST", base, { key: "SOURCE", value: "the-source-value" });
    await coffer.api("POST", base, { key: "TARGET", value: "the-target-value" });
    await coffer.server.close();

    const db = await rawSql(coffer.dataDir);
    const idOf = async (key: string) =>
      String((await db.all("select id from secrets where key = ?", key))[0]?.["id"]);
    const [source] = await db.all(
      "select ciphertexts from secret_versions where secret_id = ?",
      await idOf("SOURCE"),
    );
    await db.run(
      "update secret_versions set ciphertexts = ? where secret_id = ?",
      String(source?.["ciphertexts"]),
      await idOf("TARGET"),
    );
    await db.close();

    const again = await startServer({ dataDir: coffer.dataDir, masterKey: coffer.masterKey });
    try {
      const response = await again.api("GET", `${base}/TARGET/value`);
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe("integrity_error");
      expect(response.body.error.message).toContain('Secret "TARGET" version 1 could not be decrypted');
      expect(response.text).not.toContain("the-source-value");
      expect((await again.api("GET", `${base}/SOURCE/value`)).body.data.value).toBe("the-source-value");
    } finally {
      await again.close();
    }
  });

  it("a flipped byte in a ciphertext fails closed", async () => {
    const coffer = await startServer();
    const base = secretsPath("flip", "production");
    await coffer.api("POST", "/v1/projects", { slug: "flip" });
    await coffer.api("POST", base, { key: "K", value: "flip-me" });
    await coffer.server.close();
    const db = await rawSql(coffer.dataDir);
    const [row] = await db.all("select secret_id, ciphertexts from secret_versions");
    const fields = JSON.parse(String(row?.["ciphertexts"])) as Record<string, string>;
    const bytes = Buffer.from(fields["value"]!, "base64");
    bytes[bytes.length - 20]! ^= 0x01;
    fields["value"] = bytes.toString("base64");
    await db.run("update secret_versions set ciphertexts = ?", JSON.stringify(fields));
    await db.close();
    const again = await startServer({ dataDir: coffer.dataDir, masterKey: coffer.masterKey });
    try {
      const response = await again.api("GET", `${base}/K/value`);
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe("integrity_error");
    } finally {
      await again.close();
    }
  });
});

describe("the master key", () => {
  const dirs: string[] = [];
  afterAll(() => {
    dirs.length = 0;
  });

  it("a wrong master key is refused at start-up and leaves the database file unchanged", async () => {
    const coffer = await startServer();
    dirs.push(coffer.dataDir);
    await coffer.api("POST", "/v1/projects", { slug: "keep" });
    await coffer.server.close();
    const before = createHash("sha256")
      .update(await storedBytes(coffer.dataDir))
      .digest("hex");
    const out: string[] = [];
    const attempt = serve(
      ["--port", "0", "--data-dir", coffer.dataDir],
      { COFFER_MASTER_KEY: generateMasterKey(), ...databaseEnv(coffer.dataDir) },
      {
        write: (text: string) => out.push(text),
      },
    );
    await expect(attempt).rejects.toThrow(/master key does not match this instance's data/);
    expect(
      createHash("sha256")
        .update(await storedBytes(coffer.dataDir))
        .digest("hex"),
    ).toBe(before);
    expect(out.join("")).not.toContain("listening");
    const right = await startServer({ dataDir: coffer.dataDir, masterKey: coffer.masterKey });
    expect((await right.api("GET", "/v1/projects/keep")).status).toBe(200);
    await right.close();
  });

  it("a passphrase works as a master key, with its salt kept by the instance", async () => {
    const dataDir = tempDir();
    const env = { COFFER_MASTER_KEY: "correct horse battery staple", ...databaseEnv(dataDir) };
    const first = await serve(["--port", "0", "--data-dir", dataDir], env, { write: () => undefined });
    await first.close();
    const second = await serve(["--port", "0", "--data-dir", dataDir], env, { write: () => undefined });
    await second.close();
    await expect(
      serve(
        ["--port", "0", "--data-dir", dataDir],
        { COFFER_MASTER_KEY: "incorrect horse battery", ...databaseEnv(dataDir) },
        { write: () => undefined },
      ),
    ).rejects.toThrow(/does not match/);
  });

  it("serve without a key says how to make one", async () => {
    const dataDir = tempDir();
    await expect(serve(["--port", "0", "--data-dir", dataDir], databaseEnv(dataDir))).rejects.toThrow(
      /coffer keygen/,
    );
  });

  it("names an invalid configuration value", async () => {
    await expect(serve(["--port", "99999"], { COFFER_MASTER_KEY: generateMasterKey() })).rejects.toThrow(
      /--port must be a port number/,
    );
    await expect(serve([], { COFFER_MASTER_KEY: "short" })).rejects.toThrow(
      /COFFER_MASTER_KEY: the master key must be/,
    );
    await expect(
      serve([], { COFFER_MASTER_KEY: generateMasterKey(), COFFER_LOG_LEVEL: "loud" }),
    ).rejects.toThrow(/COFFER_LOG_LEVEL/);
    await expect(serve(["--bogus"], {})).rejects.toThrow(/Unknown option '--bogus'/);
  });
});

describe("development mode", () => {
  it("prints a key and a root token, and keeps its data across restarts", async () => {
    const dataDir = tempDir();
    const token = "coffer_dev_root_for_tests_0001";
    const out: string[] = [];
    const write = { write: (text: string) => out.push(text) };
    const first = await serve(
      ["--dev", "--port", "0", "--data-dir", dataDir, "--dev-root-token", token],
      databaseEnv(dataDir),
      write,
    );
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    expect(
      (
        await fetch(`${first.url}/v1/projects`, {
          method: "POST",
          headers,
          body: JSON.stringify({ slug: "kept" }),
        })
      ).status,
    ).toBe(201);
    await first.close();
    expect(out.join("")).toMatch(/Master key: {2}\S+ {2}\(generated, kept in/);
    expect(out.join("")).toContain(`Root token:  ${token}`);
    expect(existsSync(join(dataDir, "dev-master-key"))).toBe(true);

    const second = await serve(["--dev", "--port", "0", "--data-dir", dataDir], databaseEnv(dataDir), write);
    const generated = /Root token: {2}(coffer_\S+)/.exec(
      out.join("").split("Coffer listening").at(-2) ?? "",
    )?.[1];
    expect(generated).toBeDefined();
    const response = await fetch(`${second.url}/v1/projects/kept`, {
      headers: { authorization: `Bearer ${generated}` },
    });
    expect(response.status).toBe(200);
    await second.close();
  });
});
