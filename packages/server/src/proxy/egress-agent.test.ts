import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEgressAgent, egressRefusalOf } from "./egress-agent.ts";

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_request, response) => response.end("reached"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function refusalFor(origin: string, allowLoopback: boolean) {
  const agent = createEgressAgent({ allowLoopback });
  try {
    const response = await agent.request({ origin, path: "/", method: "GET" });
    return { reached: await response.body.text() };
  } catch (error) {
    return { refusal: egressRefusalOf(error)?.message ?? `other: ${(error as Error).message}` };
  } finally {
    await agent.close();
  }
}

describe("the egress agent", () => {
  it("checks the address a name resolves to when it connects, and refuses a loopback one", async () => {
    expect(await refusalFor(`http://localhost:${port}`, false)).toEqual({
      refusal: expect.stringMatching(
        /^Refused by rule "private_address": "localhost" resolves to 127\.0\.0\.1, a loopback address/,
      ),
    });
  });

  it("refuses a loopback IP literal, which never goes through name resolution", async () => {
    expect(await refusalFor(`http://127.0.0.1:${port}`, false)).toEqual({
      refusal: expect.stringMatching(
        /^Refused by rule "private_address": "127\.0\.0\.1" resolves to 127\.0\.0\.1/,
      ),
    });
  });

  it("connects to loopback when it is allowed", async () => {
    expect(await refusalFor(`http://localhost:${port}`, true)).toEqual({ reached: "reached" });
  });
});
