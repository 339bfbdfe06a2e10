// An upstream response body on its way back: decompressed when redaction must read it, then redacted, streamed
// or collected. Coffer asks upstreams for `accept-encoding: identity`; this handles those that compress anyway.
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Readable, Transform } from "node:stream";
import * as zlib from "node:zlib";
import { UpstreamError } from "./egress-errors.ts";
import type { Redactor, StreamRedactor } from "./redactor.ts";

type HeaderValue = string | string[] | undefined;

function decompressorFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    case "zstd":
      return zlib.createZstdDecompress();
    default:
      return undefined;
  }
}

/** The content codings applied, outermost last ("gzip", "br"…); empty for identity. */
function codings(contentEncoding: HeaderValue): string[] {
  const text = Array.isArray(contentEncoding) ? contentEncoding.join(",") : (contentEncoding ?? "");
  return text
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
}

/**
 * The decoders that turn the raw body into plaintext, needed when there is something to redact and the body is
 * encoded; `decoded` tells the caller to drop Content-Encoding.
 */
export function bodyDecoders(
  contentEncoding: HeaderValue,
  redactor: Redactor | undefined,
): { decoders: Transform[]; decoded: boolean } {
  if (redactor === undefined) return { decoders: [], decoded: false };
  const decoders = codings(contentEncoding)
    .reverse()
    .map((coding) => {
      const decoder = decompressorFor(coding);
      if (decoder === undefined) {
        throw new UpstreamError(
          "upstream_invalid",
          `The upstream answered with content encoding "${coding.slice(0, 40)}", which Coffer cannot decode to redact it`,
        );
      }
      return decoder;
    });
  return { decoders, decoded: decoders.length > 0 };
}

/** The transforms that turn the raw body into what the caller gets: decoding (see bodyDecoders) and redaction. */
export function bodyTransforms(
  contentEncoding: HeaderValue,
  redactor: Redactor | undefined,
): { transforms: Transform[]; decoded: boolean } {
  const { decoders, decoded } = bodyDecoders(contentEncoding, redactor);
  return { transforms: redactor === undefined ? [] : [...decoders, redactor.createStream()], decoded };
}

/**
 * Streams `body` through `transforms`: an error anywhere destroys every stream, and destroying the result (the
 * caller went away) destroys the upstream body. Plain pipes rather than stream.pipeline, which allocates an
 * AbortController and a DOMException for every stream it finishes — a measurable cost per proxied request.
 */
export function streamThrough(body: Readable, transforms: Transform[]): Readable {
  if (transforms.length === 0) return body;
  const streams: (Readable | Transform)[] = [body, ...transforms];
  const destroyAll = (error?: Error) => {
    for (const stream of streams) if (!stream.destroyed) stream.destroy(error);
  };
  let last: Readable = body;
  for (const stream of streams) stream.on("error", destroyAll);
  for (const transform of transforms) last = last.pipe(transform);
  last.once("close", () => {
    if (!body.readableEnded) destroyAll();
  });
  return last;
}

/** An upstream's answer on its way to the caller, see relayAnswer. */
export type RelayedAnswer = {
  status: number;
  /** The caller's headers; without Content-Length when redaction may change the body's length. */
  headers: OutgoingHttpHeaders;
  /** Plaintext (decoded) but not yet redacted. */
  body: Readable;
  redactor: StreamRedactor | undefined;
  /** The body's length as the upstream declared it, when it is the length of `body` (nothing was decoded). */
  declaredLength: number | undefined;
};

const EMPTY = Buffer.alloc(0);

/**
 * Writes an answer to `target` as its body arrives, each chunk redacted on the way (no Transform, no pipe: this is
 * the proxy's hot path), pausing the body while the target's buffer is full. A body that turns out to be whole in
 * its first chunk (its declared length) or empty goes out in one write with its redacted length, as a plain answer
 * rather than a chunked one; anything else is streamed. The body failing before anything was written is left to
 * `onBodyError` to answer; after, it cuts the target off. The target closing first (the caller went away)
 * destroys the body.
 */
export function relayAnswer(
  answer: RelayedAnswer,
  target: ServerResponse,
  /** `answered`: the caller already has the status; false: nothing went out and the callback answers. */
  onBodyError: (error: Error, answered: boolean) => void,
): void {
  const { body, redactor } = answer;
  if (body.errored !== null) {
    // It broke off before this was called (while the request's audit events were made durable): its error event is
    // gone (undici handled it), and nothing went out yet.
    onBodyError(body.errored, false);
    return;
  }
  let state: "waiting" | "streaming" | "done" = "waiting";
  const whole = (bytes: Buffer) => {
    state = "done";
    target.writeHead(answer.status, { ...answer.headers, "content-length": bytes.length });
    target.end(bytes);
  };
  const resume = () => body.resume();
  body.on("data", (chunk: Buffer) => {
    if (state === "waiting") {
      if (chunk.length === answer.declaredLength) {
        if (redactor === undefined) return whole(chunk);
        const out = redactor.write(chunk);
        const held = redactor.end();
        return whole(held.length === 0 ? out : Buffer.concat([out, held]));
      }
      state = "streaming";
      target.writeHead(answer.status, answer.headers);
    }
    if (state === "done") return;
    const out = redactor === undefined ? chunk : redactor.write(chunk);
    if (out.length > 0 && !target.write(out)) body.pause();
  });
  body.once("end", () => {
    target.removeListener("drain", resume);
    if (state === "done") return;
    const rest = redactor?.end() ?? EMPTY;
    if (state === "waiting") return whole(rest);
    state = "done";
    if (rest.length === 0) target.end();
    else target.end(rest);
  });
  let callerGone = false;
  body.on("error", (error) => {
    if (callerGone) return;
    if (state === "waiting" && !target.headersSent) {
      // Nothing has gone to the caller yet: it gets an error answer rather than a cut connection.
      state = "done";
      onBodyError(error, false);
      return;
    }
    onBodyError(error, true);
    target.destroy();
  });
  target.on("drain", resume);
  target.once("close", () => {
    // A whole answer was received before it was written: nothing is left to stop upstream.
    if (body.readableEnded || state === "done") return;
    callerGone = true;
    body.destroy();
  });
}

/**
 * Drops an upstream body that will not be read. Destroying an unread undici body emits an abort error: with no
 * listener, that is an uncaught exception, which ends the process.
 */
export function discardBody(body: Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}

/** Reads the whole (transformed) body, failing when it exceeds `maxBytes`. */
export async function collectBody(
  body: Readable,
  transforms: Transform[],
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of streamThrough(body, transforms)) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new UpstreamError("upstream_invalid", `The upstream's response is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
