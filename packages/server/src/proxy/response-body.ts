// An upstream response body on its way back: decompressed when redaction must read it, then redacted, streamed
// or collected. Coffer asks upstreams for `accept-encoding: identity`; this handles those that compress anyway.
import type { Readable, Transform } from "node:stream";
import * as zlib from "node:zlib";
import { UpstreamError } from "./egress-errors.ts";
import type { Redactor } from "./redactor.ts";

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
 * The transforms that turn the raw body into what the caller gets: decoding (when there is something to redact
 * and the body is encoded) and redaction. `decoded` tells the caller to drop Content-Encoding.
 */
export function bodyTransforms(
  contentEncoding: HeaderValue,
  redactor: Redactor | undefined,
): { transforms: Transform[]; decoded: boolean } {
  if (redactor === undefined) return { transforms: [], decoded: false };
  const applied = codings(contentEncoding);
  const decoders = applied.reverse().map((coding) => {
    const decoder = decompressorFor(coding);
    if (decoder === undefined) {
      throw new UpstreamError(
        "upstream_invalid",
        `The upstream answered with content encoding "${coding.slice(0, 40)}", which Coffer cannot decode to redact it`,
      );
    }
    return decoder;
  });
  return { transforms: [...decoders, redactor.createStream()], decoded: decoders.length > 0 };
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
