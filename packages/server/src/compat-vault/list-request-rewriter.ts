// Rewrites an HTTP/1.1 request byte stream so that `LIST` requests reach Node's parser as `GET` plus a marker header.
//
// Node's parser (llhttp) rejects methods it does not know before any handler runs, and Vault clients (node-vault,
// hvac) send `LIST` on keep-alive connections between other requests. So every message start has to be found,
// which means following the framing of each request: its head, then a Content-Length body or a chunked body.
// Anything this module does not understand is passed through unchanged for good: Node's parser then answers it
// exactly as it would have without the rewriter (a 400, a 431, an upgrade).

const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
const LIST_PREFIX = Buffer.from("LIST ");
const EMPTY = Buffer.alloc(0);
const CR = 0x0d;
const LF = 0x0a;

/** Longer heads than this are left to Node's parser, which refuses them (its own limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size or trailer line longer than this is not a chunked body Node would accept either. */
const MAX_LINE_BYTES = 8 * 1024;

type Mode = "head" | "body" | "chunk-size" | "chunk-data" | "trailer" | "passthrough";

export type ListRequestRewriter = {
  /** Takes the next bytes received; returns the bytes to hand to the HTTP parser (the same memory when unchanged). */
  push(chunk: Buffer): Buffer[];
};

type Framing = { mode: Mode; remaining: number };

/** Reads the framing of a request from its head (text up to and including the blank line). */
function framingOf(head: string): Framing {
  const firstSpace = head.indexOf(" ");
  if (head.slice(0, firstSpace) === "CONNECT") return { mode: "passthrough", remaining: 0 };
  // Most requests (a GET, a LIST) have none of the headers that frame a body or end HTTP/1.1 on the connection:
  // when no line starts with one of their names, the line-by-line reading below would find nothing either.
  const lower = head.toLowerCase();
  if (
    !lower.includes("\ncontent-length:") &&
    !lower.includes("\ntransfer-encoding:") &&
    !lower.includes("\nupgrade:")
  ) {
    return { mode: "head", remaining: 0 };
  }
  let contentLength: string | undefined;
  let chunked = false;
  let upgrade = false;
  let lengthCount = 0;
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") {
      contentLength = value;
      lengthCount++;
    } else if (name === "transfer-encoding") {
      chunked = /(^|,)\s*chunked\s*$/i.test(value);
      if (!chunked) return { mode: "passthrough", remaining: 0 };
    } else if (name === "upgrade") {
      upgrade = true;
    }
  }
  // After an upgrade the connection no longer carries HTTP/1.1 requests.
  if (upgrade) return { mode: "passthrough", remaining: 0 };
  if (chunked) return { mode: "chunk-size", remaining: 0 };
  if (contentLength === undefined) return { mode: "head", remaining: 0 };
  // Duplicate or malformed lengths are refused by Node's parser; do not guess where the next request starts.
  if (lengthCount > 1 || !/^\d{1,15}$/.test(contentLength)) return { mode: "passthrough", remaining: 0 };
  const length = Number(contentLength);
  return length === 0 ? { mode: "head", remaining: 0 } : { mode: "body", remaining: length };
}

/** Whether a head's request line starts with `LIST ` (compared byte by byte: no slice to allocate). */
function startsWithList(head: Buffer): boolean {
  if (head.length < LIST_PREFIX.length) return false;
  for (let index = 0; index < LIST_PREFIX.length; index++) {
    if (head[index] !== LIST_PREFIX[index]) return false;
  }
  return true;
}

/** `LIST /p HTTP/1.1\r\n…` → `GET /p HTTP/1.1\r\n<marker>: LIST\r\n…`. */
function rewriteListHead(head: Buffer, markerLine: Buffer): Buffer {
  const lineEnd = head.indexOf(CRLF);
  return Buffer.concat([
    Buffer.from("GET "),
    head.subarray(LIST_PREFIX.length, lineEnd + 2),
    markerLine,
    head.subarray(lineEnd + 2),
  ]);
}

export function createListRequestRewriter(markerHeader: string): ListRequestRewriter {
  const markerLine = Buffer.from(`${markerHeader}: LIST\r\n`, "latin1");
  let mode: Mode = "head";
  let remaining = 0;
  let pending: Buffer = EMPTY;

  function append(chunk: Buffer): Buffer {
    return pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  }

  return {
    push(input: Buffer): Buffer[] {
      const out: Buffer[] = [];
      let chunk = input;
      while (chunk.length > 0) {
        switch (mode) {
          case "passthrough": {
            out.push(chunk);
            chunk = EMPTY;
            break;
          }
          case "head": {
            if (pending.length === 0) {
              // Empty lines between requests are allowed (RFC 9112 §2.2); they are not a message start.
              let skip = 0;
              while (skip < chunk.length && (chunk[skip] === CR || chunk[skip] === LF)) skip++;
              if (skip > 0) {
                out.push(chunk.subarray(0, skip));
                chunk = chunk.subarray(skip);
                if (chunk.length === 0) break;
              }
            }
            const buffered = append(chunk);
            const end = buffered.indexOf(HEAD_END);
            if (end === -1) {
              if (buffered.length > MAX_HEAD_BYTES) {
                out.push(buffered);
                pending = EMPTY;
                mode = "passthrough";
              } else {
                pending = buffered;
              }
              chunk = EMPTY;
              break;
            }
            const head = buffered.subarray(0, end + HEAD_END.length);
            pending = EMPTY;
            chunk = buffered.subarray(head.length);
            const framing = framingOf(head.toString("latin1"));
            out.push(startsWithList(head) ? rewriteListHead(head, markerLine) : head);
            mode = framing.mode;
            remaining = framing.remaining;
            break;
          }
          case "body":
          case "chunk-data": {
            const take = Math.min(remaining, chunk.length);
            out.push(chunk.subarray(0, take));
            chunk = chunk.subarray(take);
            remaining -= take;
            if (remaining === 0) mode = mode === "body" ? "head" : "chunk-size";
            break;
          }
          case "chunk-size":
          case "trailer": {
            const buffered = append(chunk);
            const end = buffered.indexOf(CRLF);
            if (end === -1) {
              if (buffered.length > MAX_LINE_BYTES) {
                out.push(buffered);
                pending = EMPTY;
                mode = "passthrough";
              } else {
                pending = buffered;
              }
              chunk = EMPTY;
              break;
            }
            const line = buffered.subarray(0, end + CRLF.length);
            out.push(line);
            pending = EMPTY;
            chunk = buffered.subarray(line.length);
            if (mode === "trailer") {
              // The blank line ends the trailer section, and with it the message.
              if (end === 0) mode = "head";
              break;
            }
            const size = line.toString("latin1", 0, end).split(";")[0]?.trim() ?? "";
            if (!/^[0-9a-fA-F]{1,12}$/.test(size)) {
              mode = "passthrough";
              break;
            }
            const length = Number.parseInt(size, 16);
            if (length === 0) {
              mode = "trailer";
            } else {
              // The data, then the CRLF that closes it.
              mode = "chunk-data";
              remaining = length + CRLF.length;
            }
            break;
          }
        }
      }
      return out;
    },
  };
}
