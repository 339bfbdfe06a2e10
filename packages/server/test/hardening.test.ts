// Transport and limits: HTTPS with reload, plain HTTP only on loopback, and the limits with their clear errors.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { join } from "node:path";
import { connect as connectTls } from "node:tls";
import { ConfigError, generateMasterKey, loadConfig, serve } from "@coffer/server";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseEnv, secretsPath, startServer, type TestServer, tempDir } from "./helpers.ts";

function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

function peerCertificate(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? "");
      socket.end();
    });
    socket.on("error", reject);
  });
}

describe("HTTPS", () => {
  it("serves over TLS with HSTS, and picks up a renewed certificate on reload", async () => {
    const dir = tempDir();
    const first = selfSigned(dir, "first");
    const second = selfSigned(dir, "second");
    execFileSync("cp", [first.cert, join(dir, "live.crt")]);
    execFileSync("cp", [first.key, join(dir, "live.key")]);
    const out: string[] = [];
    const server = await serve(
      [
        "--port",
        "0",
        "--data-dir",
        dir,
        "--tls-cert",
        join(dir, "live.crt"),
        "--tls-key",
        join(dir, "live.key"),
      ],
      { COFFER_MASTER_KEY: generateMasterKey(), ...databaseEnv(dir) },
      { write: (text: string) => out.push(text) },
    );
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      const response = await undiciFetch(`${server.url}/healthz`, { dispatcher });
      expect(response.status).toBe(200);
      expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
      await dispatcher.close();
      const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;
      expect(await peerCertificate(server.url)).toBe(fingerprint(first.cert));
      execFileSync("cp", [second.cert, join(dir, "live.crt")]);
      execFileSync("cp", [second.key, join(dir, "live.key")]);
      process.emit("SIGHUP", "SIGHUP");
      expect(out.join("")).toContain("Reloaded the TLS certificate and key.");
      expect(await peerCertificate(server.url)).toBe(fingerprint(second.cert));
    } finally {
      await server.close();
    }
  });

  it("refuses plain HTTP on a non-loopback address unless told it is intended", () => {
    const env = { COFFER_MASTER_KEY: generateMasterKey() };
    expect(() => loadConfig(["--host", "0.0.0.0"], env)).toThrow(ConfigError);
    expect(() => loadConfig(["--host", "0.0.0.0"], env)).toThrow(
      /Refusing to serve plain HTTP on 0\.0\.0\.0/,
    );
    expect(loadConfig(["--host", "0.0.0.0", "--insecure-http"], env).host).toBe("0.0.0.0");
    expect(loadConfig(["--host", "127.0.0.2"], env).host).toBe("127.0.0.2");
    expect(() => loadConfig(["--tls-cert", "x.crt"], env)).toThrow(/both --tls-cert and --tls-key/);
  });
});

describe("limits", () => {
  let coffer: TestServer;
  beforeAll(async () => {
    coffer = await startServer();
    await coffer.api("POST", "/v1/projects", { slug: "limits" });
  });
  afterAll(() => coffer.close());

  it("refuses a body over the size limit with 413", async () => {
    const response = await coffer.api("POST", secretsPath("limits", "production"), {
      key: "HUGE",
      value: "x".repeat(2 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("payload_too_large");
  });

  it("refuses JSON nested deeper than the limit with 400", async () => {
    let nested: unknown = "v";
    for (let i = 0; i < 40; i++) nested = { a: nested };
    const response = await coffer.api("POST", secretsPath("limits", "production"), {
      key: "DEEP",
      metadata: nested,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe("The JSON body is nested deeper than 32 levels");
  });

  it("answers oversized headers with 431 and a JSON error", async () => {
    const { port } = new URL(coffer.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connectTcp(Number(port), "127.0.0.1", () => {
        socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
      });
      let data = "";
      socket.on("data", (chunk) => {
        data += String(chunk);
      });
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(reply).toContain('"code":"headers_too_large"');
  });

  it("cuts off a client that sends its headers too slowly", async () => {
    const dataDir = tempDir();
    const server = await serve(
      ["--port", "0", "--data-dir", dataDir],
      { COFFER_MASTER_KEY: generateMasterKey(), COFFER_HEADERS_TIMEOUT_MS: "500", ...databaseEnv(dataDir) },
      { write: () => undefined },
    );
    try {
      const { port } = new URL(server.url);
      const answer = await new Promise<string>((resolve, reject) => {
        let received = "";
        const socket = connectTcp(Number(port), "127.0.0.1", () =>
          socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"),
        );
        const drip = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 100);
        socket.on("close", () => {
          clearInterval(drip);
          resolve(received);
        });
        socket.on("data", (chunk) => {
          received += String(chunk);
        });
        socket.on("error", () => undefined);
        setTimeout(() => {
          clearInterval(drip);
          socket.destroy();
          reject(new Error("the slow client was never cut off"));
        }, 10_000);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"code":"request_timeout"');
    } finally {
      await server.close();
    }
  });

  it("finishes a request in flight when shutting down", async () => {
    const dataDir = tempDir();
    const token = "coffer_graceful_shutdown_token_01";
    const server = await serve(
      ["--dev", "--port", "0", "--data-dir", dataDir, "--dev-root-token", token],
      databaseEnv(dataDir),
      { write: () => undefined },
    );
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    await fetch(`${server.url}/v1/projects`, {
      method: "POST",
      headers,
      body: JSON.stringify({ slug: "bye" }),
    });
    let release: () => void = () => undefined;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"key":"LAST","value":'));
        release = () => {
          controller.enqueue(new TextEncoder().encode('"written during shutdown"}'));
          controller.close();
        };
      },
    });
    const inFlight = fetch(`${server.url}${secretsPath("bye", "production")}`, {
      method: "POST",
      headers,
      body,
      duplex: "half",
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closing = server.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    expect((await inFlight).status).toBe(201);
    await closing;
  });
});
