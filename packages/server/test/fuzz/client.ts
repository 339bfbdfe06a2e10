// Sends fuzz requests over keep-alive connections, from chosen loopback source addresses: the server locks out an
// address after repeated failed sign-ins or unknown tokens, so guesses come from addresses of their own and the
// administrator's traffic (127.0.0.1) stays usable.
import { Agent, type Dispatcher } from "undici";

/**
 * Where a request comes from: the administrator's address, the address the fixture signs in from, or one of many
 * addresses for anonymous guesses (any number; it picks 127.0.1.x / 127.0.2.x …).
 */
export type Source = "main" | "fixture" | number;

export type WireRequest = {
  method: string;
  /** Path and query exactly as they go on the wire (already percent-encoded, or deliberately not). */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  source: Source;
};

export type WireResponse = {
  /** 0 when no response arrived (the connection failed or was closed): always a finding. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  transportError?: string;
};

const GUESS_ADDRESSES = 500;

function addressOf(source: Source): string {
  if (source === "main") return "127.0.0.1";
  if (source === "fixture") return "127.0.0.2";
  const slot = source % GUESS_ADDRESSES;
  return `127.0.${1 + Math.floor(slot / 250)}.${2 + (slot % 250)}`;
}

export type FuzzClient = {
  baseUrl: string;
  send(wire: WireRequest): Promise<WireResponse>;
  /** JSON API call for fixture building; throws on a transport failure. */
  json(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    source?: Source,
  ): Promise<{
    status: number;
    // biome-ignore lint/suspicious/noExplicitAny: fixture code reads fields of arbitrary JSON answers.
    body: any;
    headers: WireResponse["headers"];
  }>;
  close(): Promise<void>;
};

export function createFuzzClient(baseUrl: string): FuzzClient {
  const agents = new Map<string, Agent>();
  const agentFor = (address: string) => {
    let agent = agents.get(address);
    if (agent === undefined) {
      agent = new Agent({
        connections: 16,
        localAddress: address,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      agents.set(address, agent);
    }
    return agent;
  };

  async function send(wire: WireRequest): Promise<WireResponse> {
    try {
      // `origin` and `path` apart: a URL string would be normalised first ("/a/../b" → "/b", "%2e%2e" → ".."),
      // and the server would never see the traversal.
      const response = await agentFor(addressOf(wire.source)).request({
        origin: baseUrl,
        path: wire.path,
        method: wire.method as Dispatcher.HttpMethod,
        headers: wire.headers,
        body: wire.body ?? null,
      });
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
    } catch (error) {
      const { name, message, code } = error as Error & { code?: string };
      return { status: 0, headers: {}, text: "", transportError: `${name} ${code ?? ""} ${message}` };
    }
  }

  return {
    baseUrl,
    send,
    async json(method, path, body, headers, source = "main") {
      const response = await send({
        method,
        path,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        source,
      });
      if (response.status === 0) throw new Error(`${method} ${path}: ${response.transportError}`);
      let parsed: unknown;
      try {
        parsed = response.text === "" ? undefined : JSON.parse(response.text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
    },
  };
}
