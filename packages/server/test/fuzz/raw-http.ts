// Requests written byte by byte on a socket, past what an HTTP client library lets through: NUL, control and raw
// UTF-8 bytes in the request line and the headers, odd methods and versions, absolute and asterisk targets,
// conflicting or malformed framing headers. Every one is complete (nothing leaves the server waiting for more), so
// every one must get an answer: a refusal from the HTTP parser or an answer from a route, with the error shape.
import { connect } from "node:net";
import fc from "fast-check";
import { cofferProblem, vaultShapeProblem } from "./oracle.ts";

export type RawRequest = { label: string; bytes: Buffer };
export type RawResponse = { status: number; head: string; body: string } | { error: string };

const BYTES_IN_TARGET = [
  "\u0000",
  "\u0001",
  "\u007f",
  "\u00ff",
  "é",
  " ",
  "\t",
  "#frag",
  "?q=\u0000",
  "\\",
  "%00",
];

function target(paths: string[]): fc.Arbitrary<string> {
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    { weight: 3, arbitrary: path },
    {
      weight: 6,
      arbitrary: fc
        .tuple(path, fc.nat(), fc.constantFrom(...BYTES_IN_TARGET))
        .map(([base, at, insert]) => base.slice(0, at % base.length) + insert + base.slice(at % base.length)),
    },
    { weight: 1, arbitrary: path.map((base) => `http://127.0.0.1${base}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("*", "", "v1/projects", "//v1//projects", `/${"a".repeat(20_000)}`),
    },
  );
}

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("get", "G\u0000ET", "LIST", "CONNECT", "TRACE", "PRI", "FOO BAR", ""),
  },
);

const version = fc.oneof(
  { weight: 8, arbitrary: fc.constant("HTTP/1.1") },
  { weight: 1, arbitrary: fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/0.9", "http/1.1", "") },
);

/** Extra header lines: malformed names and values, duplicated or conflicting framing, a folded line. */
const oddHeaders = fc.array(
  fc.constantFrom(
    "X-Odd: a\u0000b",
    "X-Odd: \u00e9\u00ff",
    "Bad Name: x",
    "NoColon",
    ": empty-name",
    " folded: continuation",
    "X-Long: " + "v".repeat(20_000),
    "Content-Length: -1",
    "Content-Length: abc",
    "Content-Length: 0\r\nContent-Length: 5",
    "Transfer-Encoding: gzip",
    "Transfer-Encoding: chunked\r\nContent-Length: 0",
    "Host: a\r\nHost: b",
    "Authorization: Bearer \u0000",
    "Cookie: coffer_session=\u00ff",
    "Content-Type: application/json; charset=\u0000",
  ),
  { maxLength: 2 },
);

const body = fc.oneof(
  fc.constant(""),
  fc.constantFrom('{"slug":"raw"}', '{"key":"A\u0000B","value":"v"}', "{", "\u0000\u0000", "é"),
);

/** `paths`: concrete API paths (the fixture's names filled in); `token`: a valid bearer token. */
export function rawRequestArbitrary(paths: string[], token: string): fc.Arbitrary<RawRequest> {
  return fc
    .record({
      method,
      target: target(paths),
      version,
      host: fc.constantFrom("Host: 127.0.0.1", "Host: 127.0.0.1", "Host: 127.0.0.1", ""),
      auth: fc.boolean(),
      headers: oddHeaders,
      body,
      chunked: fc.boolean(),
    })
    .map((parts) => {
      const payload = Buffer.from(parts.body, "utf8");
      const framing = parts.chunked
        ? "Transfer-Encoding: chunked"
        : payload.length > 0
          ? `Content-Length: ${payload.length}`
          : "";
      const lines = [
        `${parts.method} ${parts.target} ${parts.version}`.trimEnd(),
        parts.host,
        parts.auth ? `Authorization: Bearer ${token}` : "",
        payload.length > 0 ? "Content-Type: application/json" : "",
        framing,
        "Connection: close",
        ...parts.headers,
      ].filter((line) => line !== "");
      const encoded = parts.chunked
        ? Buffer.concat([
            Buffer.from(payload.length > 0 ? `${payload.length.toString(16)}\r\n` : ""),
            payload,
            Buffer.from(payload.length > 0 ? "\r\n0\r\n\r\n" : "0\r\n\r\n"),
          ])
        : payload;
      const bytes = Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), encoded]);
      return { label: lines[0]!, bytes };
    });
}

/** Sends the bytes and reads one response (to the end of its body or of the connection). */
export function sendRaw(url: string, request: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  // The answer to HEAD has a Content-Length but no body.
  const bodiless = request.label.startsWith("HEAD ");
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (result: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const parse = (): { status: number; head: string; body: string } | undefined => {
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end === -1) return undefined;
      const head = text.slice(0, end);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      const body = Buffer.concat(chunks).subarray(Buffer.byteLength(head, "latin1") + 4);
      if (!bodiless && length !== undefined && body.length < Number(length)) return undefined;
      return { status, head, body: body.toString("utf8") };
    };
    // Written, not ended: a half-closed connection makes the server drop the request it is working on.
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(request.bytes));
    const timer = setTimeout(() => finish({ error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const response = parse();
      if (response !== undefined && (bodiless || /\r\ncontent-length:/i.test(response.head)))
        finish(response);
    });
    socket.on("end", () => finish(parse() ?? { error: "the connection closed without an answer" }));
    socket.on("error", (error) => finish(parse() ?? { error: `${error.name}: ${error.message}` }));
  });
}

/**
 * Requests Node or Fastify drop without an answer, before Coffer's code: a CONNECT (a request to open a tunnel; Coffer
 * is no forward proxy), and an HTTP/0.9-style request line (no version) with PRI, the HTTP/2 preface's method, which
 * Fastify's router does not know (its fallback 404 is never written on such a connection).
 */
function droppedByDesign(requestLine: string): boolean {
  return requestLine.startsWith("CONNECT ") || /^PRI \S*$/.test(requestLine);
}

/** The web UI's page for a server started without a build (`npm run build`): 503 by design, and HTML. */
const isWebUiPage = (head: string) => /\r\ncontent-type: text\/html/i.test(head);

/**
 * What is wrong with the answer to a raw request, if anything. The parser's refusals and the routes' answers both
 * count; a mangled target may land under either API, so a 4xx may carry either API's error shape. A target outside
 * the APIs (`*`, `v1/projects` without its slash) reaches the web UI, whose pages are HTML, not errors.
 */
export function rawViolationOf(request: RawRequest, response: RawResponse): string | undefined {
  if ("error" in response) return droppedByDesign(request.label) ? undefined : response.error;
  if (response.status === 0)
    return `an answer that is not HTTP: ${JSON.stringify(response.head.slice(0, 200))}`;
  const target = (request.label.split(" ")[1] ?? "").replace(/^https?:\/\/[^/]*/, "");
  const api = /^\/(vault\/)?v1\//.test(target);
  if (!api && isWebUiPage(response.head)) return undefined;
  if (response.status >= 500) return `status ${response.status}`;
  if (response.status < 400 || request.label.startsWith("HEAD ")) return undefined;
  const coffer = cofferProblem(response.body);
  const vault = vaultShapeProblem("", response.status, response.body);
  return coffer === undefined || vault === undefined
    ? undefined
    : `status ${response.status} without an error shape: ${coffer}`;
}
