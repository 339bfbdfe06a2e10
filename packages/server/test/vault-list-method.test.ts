// The LIST method over raw sockets: Node's parser refuses it, so both listeners read requests through a shim.
// Real clients send LIST on keep-alive connections, between other requests: so do these tests.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers.ts";

type RawResponse = { status: number; headers: Record<string, string>; body: string };

/** One keep-alive connection: writes raw bytes, reads responses one by one (Content-Length framed). */
class RawConnection {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiting: (() => void) | undefined;
  #closed = false;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.#socket = connect(Number(port), hostname);
    this.#socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#waiting?.();
    });
    this.#socket.on("close", () => {
      this.#closed = true;
      this.#waiting?.();
    });
  }

  send(text: string): void {
    this.#socket.write(text);
  }

  async response(): Promise<RawResponse> {
    for (;;) {
      const parsed = this.#take();
      if (parsed !== undefined) return parsed;
      if (this.#closed) throw new Error(`connection closed; unread: ${this.#buffer.toString()}`);
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#socket.destroy();
  }

  #take(): RawResponse | undefined {
    const end = this.#buffer.indexOf("\r\n\r\n");
    if (end === -1) return undefined;
    const [statusLine = "", ...lines] = this.#buffer.subarray(0, end).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    if (this.#buffer.length < end + 4 + length) return undefined;
    const body = this.#buffer.subarray(end + 4, end + 4 + length).toString("utf8");
    this.#buffer = this.#buffer.subarray(end + 4 + length);
    return { status: Number(statusLine.split(" ")[1]), headers, body };
  }
}

let coffer: TestServer;
let listeners: { name: string; url: string; root: string }[];

function request(method: string, path: string, token: string, body?: string): string {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    "Host: vault.test",
    `X-Vault-Token: ${token}`,
    "Connection: keep-alive",
  ];
  if (body === undefined) return `${[...lines, "Content-Length: 0"].join("\r\n")}\r\n\r\n`;
  lines.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

beforeAll(async () => {
  coffer = await startServer({ env: { COFFER_VAULT_PORT: "0" } });
  listeners = [
    { name: "the main listener", url: coffer.url, root: "/vault/v1" },
    { name: "the Vault listener", url: coffer.server.vaultUrl()!, root: "/v1" },
  ];
  await coffer.api("POST", "/v1/projects", { slug: "shop" });
  for (const key of ["app/db", "app/cache", "app/queue/main", "web"]) {
    await coffer.api("POST", "/v1/projects/shop/environments/production/secrets", { key, value: "v" });
  }
});
afterAll(() => coffer.close());

describe("the LIST method", () => {
  it("is answered several times in a row on one keep-alive socket, between GETs, on both listeners", async () => {
    for (const { url, root } of listeners) {
      const connection = new RawConnection(url);
      const token = coffer.rootToken;
      const steps: [string, string, (response: RawResponse) => void][] = [
        [
          "LIST",
          "/shop/production/metadata/app",
          (r) => expect(JSON.parse(r.body).data.keys).toEqual(["cache", "db", "queue/"]),
        ],
        [
          "GET",
          "/shop/production/data/app/db",
          (r) => expect(JSON.parse(r.body).data.data).toEqual({ value: "v" }),
        ],
        [
          "LIST",
          "/shop/production/metadata/",
          (r) => expect(JSON.parse(r.body).data.keys).toEqual(["app/", "web"]),
        ],
        [
          "LIST",
          "/shop/production/metadata/app/queue",
          (r) => expect(JSON.parse(r.body).data.keys).toEqual(["main"]),
        ],
        ["GET", "/sys/health", (r) => expect(JSON.parse(r.body).sealed).toBe(false)],
        [
          "LIST",
          "/shop/production/metadata/none",
          (r) => expect(r).toMatchObject({ status: 404, body: '{"errors":[]}\n' }),
        ],
        ["LIST", "/shop/production/metadata/app", (r) => expect(r.status).toBe(200)],
      ];
      for (const [method, path, check] of steps) {
        connection.send(request(method, root + path, token));
        const response = await connection.response();
        expect(response.headers["content-type"]).toBe("application/json");
        check(response);
      }
      expect(connection.closed).toBe(false);
      connection.close();
    }
  });

  it("is answered in order when requests are pipelined in one write, bodies included", async () => {
    for (const { url, root } of listeners) {
      const connection = new RawConnection(url);
      const token = coffer.rootToken;
      const write = JSON.stringify({ data: { password: "LIST /not/a/request HTTP/1.1" } });
      const chunkedPut = [
        `PUT ${root}/shop/production/data/chunked HTTP/1.1`,
        "Host: vault.test",
        `X-Vault-Token: ${token}`,
        "Transfer-Encoding: chunked",
        "",
        `${Buffer.byteLength(write).toString(16)}`,
        write,
        "0",
        "",
        "",
      ].join("\r\n");
      // Node runs pipelined requests concurrently (answering in order), so each checks what existed before.
      connection.send(
        request("POST", `${root}/shop/production/data/piped`, token, write) +
          request("LIST", `${root}/shop/production/metadata/`, token) +
          chunkedPut +
          request("LIST", `${root}/shop/production/metadata/app/`, token) +
          request("GET", `${root}/shop/production/data/web`, token),
      );
      const responses: RawResponse[] = [];
      for (let n = 0; n < 5; n++) responses.push(await connection.response());
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
      expect(JSON.parse(responses[1]!.body).data.keys).toEqual(expect.arrayContaining(["app/", "web"]));
      expect(JSON.parse(responses[3]!.body).data.keys).toEqual(["cache", "db", "queue/"]);
      expect(JSON.parse(responses[4]!.body).data.data).toEqual({ value: "v" });
      for (const key of ["piped", "chunked"]) {
        connection.send(request("GET", `${root}/shop/production/data/${key}`, token));
        const read = await connection.response();
        expect(JSON.parse(read.body).data.data).toEqual({ password: "LIST /not/a/request HTTP/1.1" });
      }
      connection.close();
    }
  });

  it("cannot be forged with a header: a GET stays a read", async () => {
    const connection = new RawConnection(listeners[1]!.url);
    connection.send(
      request("GET", "/v1/shop/production/metadata/app", coffer.rootToken).replace(
        "Connection: keep-alive",
        "Connection: keep-alive\r\nX-Vault-Original-Method: LIST",
      ),
    );
    // A metadata read of the key "app" (there is none), not a listing of the folder.
    expect(await connection.response()).toMatchObject({ status: 404, body: '{"errors":[]}\n' });
    connection.close();
  });

  it("leaves Coffer's own API working on the main listener's keep-alive connections", async () => {
    const connection = new RawConnection(coffer.url);
    const get = request("GET", "/v1/projects/shop/environments/production/secrets/web", "").replace(
      "X-Vault-Token: ",
      `Authorization: Bearer ${coffer.rootToken}`,
    );
    connection.send(get + get);
    for (const response of [await connection.response(), await connection.response()]) {
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).key).toBe("web");
    }
    connection.close();
  });
});
