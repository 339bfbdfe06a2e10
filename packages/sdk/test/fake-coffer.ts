// A scripted stand-in for a Coffer server: a real node:http server on 127.0.0.1 that records every
// request exactly as it arrived (raw path, headers, body) and answers what the test tells it to.

import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";
import { Coffer, type CofferOptions } from "../src/index.ts";

export interface RecordedRequest {
  method: string;
  /** Path and query as sent on the wire, percent-encoding untouched. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is empty. */
  json: unknown;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (use for non-JSON bodies). */
  text?: string;
  /** Waits this long before answering. */
  delayMs?: number;
  /** Drops the connection without answering, as a crashed server or a broken network would. */
  hangUp?: boolean;
}

export type Handler = (request: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface FakeCoffer {
  url: string;
  requests: RecordedRequest[];
}

/** Starts a fake Coffer for the current test; it is closed when the test finishes. */
export async function fakeCoffer(handler: Handler = () => ({ json: {} })): Promise<FakeCoffer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body,
      json: body === "" ? undefined : JSON.parse(body),
    };
    const index = requests.push(recorded) - 1;
    const reply = await handler(recorded, index);
    if (reply.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.hangUp) {
      req.socket.destroy();
      return;
    }
    const status = reply.status ?? (reply.json === undefined && reply.text === undefined ? 204 : 200);
    const headers: Record<string, string> = { "x-request-id": `req-${index + 1}`, ...reply.headers };
    if (reply.json !== undefined) headers["content-type"] = "application/json";
    res.writeHead(status, headers);
    res.end(reply.json !== undefined ? JSON.stringify(reply.json) : reply.text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${port}`, requests };
}

/** Waits passed to the client's `sleep`, recorded instead of slept. */
export function recordedSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

/** A client of `server` with a token, a default project and environment, and waits that take no time. */
export function clientOf(server: FakeCoffer, options: Partial<CofferOptions> = {}): Coffer {
  return new Coffer({
    url: server.url,
    token: "coffer_test-token",
    project: "payments",
    environment: "production",
    sleep: async () => {},
    ...options,
  });
}

export function secretMetadata(
  key: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const actor = { type: "token", id: "tok_1", name: "ci" };
  return {
    key,
    name: null,
    description: "",
    type: "generic",
    metadata: {},
    fields: ["value"],
    allowedDestinations: [],
    version: 1,
    createdAt: "2025-01-01T00:00:00.000Z",
    createdBy: actor,
    updatedAt: "2025-01-01T00:00:00.000Z",
    updatedBy: actor,
    ...overrides,
  };
}
