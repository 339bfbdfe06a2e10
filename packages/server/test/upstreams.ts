// Test support: local upstreams on 127.0.0.1 for the proxy and the HTTP action — an echo, a server-sent events
// stream, and a redirect — each recording what reached it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export type Upstream = {
  url: string;
  port: number;
  /** Every request received, in order. */
  received: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
};

async function listen(
  handler: (request: IncomingMessage, response: ServerResponse, body: string) => void | Promise<void>,
): Promise<Upstream & { server: Server }> {
  const received: Upstream["received"] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      void handler(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers with JSON describing the request (method, url, headers, body) and reflects its Authorization header in
 * `x-echo-authorization`. Paths: `/split` writes the reflection in two chunks with a pause in the middle of the
 * Authorization value; a path holding "sized" declares its Content-Length; `/hop` adds hop-by-hop and origin-wide headers; `/status/N` answers with status N;
 * `/large/N` streams N MiB of `largeBodyBlock()`; `/broken` promises 1,000 bytes, sends 100 and drops the
 * connection; `/broken-early` drops it after the headers; `/slow` writes a line every 10 ms for 10 s, and records
 * in `closedEarly` whether its caller left.
 */
export async function startEchoUpstream(): Promise<Upstream & { closedEarly(): boolean }> {
  let closedEarly = false;
  const upstream = await listen(async (request, response, body) => {
    const url = request.url ?? "/";
    if (await specialAnswer(url, response, () => (closedEarly = true))) return;
    const reflection = JSON.stringify({ method: request.method, url, headers: request.headers, body });
    const headers: Record<string, string | string[]> = { "content-type": "application/json" };
    const authorization = request.headers.authorization;
    if (authorization !== undefined) headers["x-echo-authorization"] = authorization;
    if (url.startsWith("/hop")) {
      Object.assign(headers, {
        connection: "x-hop-secret",
        "x-hop-secret": "dropped",
        "keep-alive": "timeout=5",
        "set-cookie": ["coffer_session=stolen; Path=/"],
        "strict-transport-security": "max-age=31536000",
        "access-control-allow-origin": "*",
        "x-request-id": "upstream-1",
        "x-kept": "yes",
      });
    }
    if (url.includes("sized")) headers["content-length"] = String(Buffer.byteLength(reflection));
    const status = /^\/status\/(\d{3})/.exec(url)?.[1];
    response.writeHead(status === undefined ? 200 : Number(status), headers);
    if (!url.startsWith("/split") || authorization === undefined) {
      response.end(reflection);
      return;
    }
    // The cut falls inside the Authorization value wherever it appears in the reflection.
    const cut = reflection.indexOf(authorization) + Math.floor(authorization.length / 2);
    response.write(reflection.slice(0, cut));
    await pause(30);
    response.end(reflection.slice(cut));
  });
  return { ...upstream, closedEarly: () => closedEarly };
}

/** 64 KiB of printable bytes, different at every offset within it. */
export function largeBodyBlock(): Buffer {
  return Buffer.from(
    Array.from({ length: 4096 }, (_, index) => index.toString(16).padStart(16, ".")).join(""),
  );
}

/** The echo upstream's answers that are not a reflection; true when `url` named one of them. */
async function specialAnswer(url: string, response: ServerResponse, onEarlyClose: () => void) {
  const large = /^\/large\/(\d+)$/.exec(url);
  if (large !== null) {
    const block = largeBodyBlock();
    response.writeHead(200, { "content-type": "application/octet-stream" });
    for (let index = 0; index < Number(large[1]) * 16; index++) {
      if (!response.write(block)) await new Promise((resolve) => response.once("drain", resolve));
    }
    response.end();
    return true;
  }
  if (url === "/broken") {
    response.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
    response.write("x".repeat(100));
    // Long enough for the proxy to have started relaying (it waits for the request's audit event first, which can
    // take a while on the first request): this is the break in the middle of a body, the early one is below.
    await pause(200);
    response.destroy();
    return true;
  }
  if (url === "/broken-early") {
    response.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
    response.flushHeaders();
    await pause(20);
    response.destroy();
    return true;
  }
  if (url === "/slow") {
    response.writeHead(200, { "content-type": "text/plain" });
    response.once("close", () => {
      if (!response.writableFinished) onEarlyClose();
    });
    for (let line = 0; line < 1000 && !response.destroyed; line++) {
      response.write(`line ${line}\n`);
      await pause(10);
    }
    response.end();
    return true;
  }
  return false;
}

export type SseUpstream = Upstream & {
  /** How many events the upstream has written so far. */
  sent(): number;
  /** Lets the stream go on after its first event (the test calls it once it has seen that event). */
  release(): void;
};

/**
 * Streams `count` server-sent events like an OpenAI streaming chat completion: the first one at once, then — once
 * released — one every `intervalMs`, ending with `data: [DONE]`.
 */
export async function startSseUpstream(count = 100, intervalMs = 5): Promise<SseUpstream> {
  let sent = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const upstream = await listen(async (request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const event = (index: number) => {
      const chunk = {
        choices: [{ delta: { content: `token ${index}` } }],
        auth: request.headers.authorization,
      };
      response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      sent++;
    };
    event(0);
    await released;
    for (let index = 1; index < count; index++) {
      await pause(intervalMs);
      event(index);
    }
    response.end("data: [DONE]\n\n");
  });
  return { ...upstream, sent: () => sent, release: () => release() };
}

/** Answers every request with 302 to `location`. */
export async function startRedirectUpstream(location: string): Promise<Upstream> {
  return listen((_request, response) => {
    response.writeHead(302, { location, "content-type": "text/plain" });
    response.end("moved");
  });
}
