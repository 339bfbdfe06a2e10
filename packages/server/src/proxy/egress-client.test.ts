// An upstream answer that breaks off before anyone reads it: the proxy reads an answer only once the request's audit
// events are durable, which can take longer than the upstream takes to fail.
import { createServer, type Server } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEgressAgent } from "./egress-agent.ts";
import { createEgressClient, type EgressClient, targetOf } from "./egress-client.ts";
import { relayAnswer } from "./response-body.ts";

let upstream: Server;
let relay: Server;
let client: EgressClient;
let upstreamUrl: string;
let relayUrl: string;
/** Settles when the upstream has dropped the connection of the latest request. */
let broken: Promise<void> = Promise.resolve();

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
};

/** Longer than undici waits (one setImmediate) before it reports a broken answer nobody reads. */
const SLOW_AUDIT_MS = 50;

/** The proxy's order of work: the answer's headers, then a wait (its audit events) before the body is read. */
async function brokenAnswer() {
  const answer = await client.send({
    target: targetOf(new URL(`${upstreamUrl}/`)),
    method: "GET",
    headers: {},
    body: undefined,
    timeoutMs: 5_000,
  });
  await broken;
  await delay(SLOW_AUDIT_MS);
  return answer;
}

beforeAll(async () => {
  // Headers, then the connection drops before any of the body.
  upstream = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain", "content-length": "100" });
    response.flushHeaders();
    broken = delay(5).then(() => {
      response.socket?.destroy();
    });
  });
  upstreamUrl = await listen(upstream);
  client = createEgressClient(createEgressAgent({ allowLoopback: true }));
  relay = createServer(async (_request, response) => {
    const answer = await brokenAnswer();
    relayAnswer(
      { status: answer.statusCode, headers: {}, body: answer.body, redactor: undefined, declaredLength: 100 },
      response,
      (error, answered) => {
        if (answered) response.destroy();
        else response.writeHead(502, { "content-type": "text/plain" }).end(`broke off: ${error.message}`);
      },
    );
  });
  relayUrl = await listen(relay);
});

afterAll(async () => {
  await client.close();
  await Promise.all([upstream, relay].map((server) => new Promise((resolve) => server.close(resolve))));
});

describe("an upstream answer that breaks off before it is read", () => {
  it("keeps its error on the body (undici listens for it), where the relay looks for it", async () => {
    const answer = await brokenAnswer();
    await expect.poll(() => answer.body.errored).toBeInstanceOf(Error);
  });

  it("is answered with an error when it is relayed, instead of leaving the caller waiting", async () => {
    const response = await fetch(relayUrl, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/^broke off: /);
  });
});
