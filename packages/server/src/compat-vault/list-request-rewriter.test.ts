import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createListRequestRewriter } from "./list-request-rewriter.ts";

const MARKER = "x-test-list";

function rewriteAll(chunks: string[]): string {
  const rewriter = createListRequestRewriter(MARKER);
  return chunks
    .flatMap((chunk) => rewriter.push(Buffer.from(chunk, "latin1")))
    .map((part) => part.toString("latin1"))
    .join("");
}

/** Splits a text at the given cut points (sorted, deduplicated, within bounds). */
function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = 0;
  for (const point of [...points, text.length]) {
    parts.push(text.slice(start, point));
    start = point;
  }
  return parts.filter((part) => part !== "");
}

const list = (path: string) => `LIST ${path} HTTP/1.1\r\nHost: v\r\nContent-Length: 0\r\n\r\n`;
const listed = (path: string) =>
  `GET ${path} HTTP/1.1\r\n${MARKER}: LIST\r\nHost: v\r\nContent-Length: 0\r\n\r\n`;
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: v\r\n\r\n`;
const post = (path: string, body: string) =>
  `POST ${path} HTTP/1.1\r\nHost: v\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n\r\n${body}`;
const chunked = (path: string, parts: string[]) =>
  `PUT ${path} HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: chunked\r\n\r\n${parts
    .map((part) => `${part.length.toString(16)};ext=1\r\n${part}\r\n`)
    .join("")}0\r\nX-Trailer: t\r\n\r\n`;

describe("the LIST request rewriter", () => {
  it("turns a LIST request into a GET carrying the marker header", () => {
    expect(rewriteAll([list("/v1/secret/metadata/app")])).toBe(listed("/v1/secret/metadata/app"));
  });

  it("leaves every other request byte for byte as it was", () => {
    const traffic = get("/a") + post("/b", '{"x":1}') + chunked("/c", ["ab", "cde"]);
    expect(rewriteAll([traffic])).toBe(traffic);
  });

  it("finds the LIST requests among keep-alive and pipelined traffic", () => {
    const traffic = [
      post("/w", "LIST /x"),
      list("/1"),
      get("/r"),
      list("/2"),
      chunked("/c", ["LIST "]),
      list("/3"),
    ];
    const expected = [
      post("/w", "LIST /x"),
      listed("/1"),
      get("/r"),
      listed("/2"),
      chunked("/c", ["LIST "]),
      listed("/3"),
    ];
    expect(rewriteAll([traffic.join("")])).toBe(expected.join(""));
  });

  it("does not take a body that starts with LIST for a request", () => {
    const traffic = post("/b", `${list("/smuggled")}`);
    expect(rewriteAll([traffic])).toBe(traffic);
  });

  it("does not take a LIST request inside a chunked body, after a blank line, for a request", () => {
    // Read as heads instead of chunks, this body would end a "head" at its blank line and start one with LIST.
    const traffic = chunked("/c", [`\r\n\r\n${list("/smuggled")}`]) + list("/real");
    expect(rewriteAll([traffic])).toBe(chunked("/c", [`\r\n\r\n${list("/smuggled")}`]) + listed("/real"));
    const lowerCase = traffic.replace("Transfer-Encoding", "transfer-encoding");
    expect(rewriteAll([lowerCase])).toBe(
      chunked("/c", [`\r\n\r\n${list("/smuggled")}`]).replace("Transfer-Encoding", "transfer-encoding") +
        listed("/real"),
    );
  });

  it("gives the same output however the bytes are split into chunks", () => {
    const traffic = [
      get("/r"),
      list("/1"),
      post("/w", "LIST body"),
      chunked("/c", ["LIST", " x\r\n"]),
      list("/2"),
    ];
    const expected = [
      get("/r"),
      listed("/1"),
      post("/w", "LIST body"),
      chunked("/c", ["LIST", " x\r\n"]),
      listed("/2"),
    ];
    const text = traffic.join("");
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(rewriteAll(splitAt(text, cuts))).toBe(expected.join(""));
      }),
      { numRuns: 300 },
    );
  });

  it("passes the rest of the connection through untouched after an upgrade or a framing it cannot follow", () => {
    const upgrade = `GET /ws HTTP/1.1\r\nHost: v\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n${list("/not-http")}`;
    expect(rewriteAll([upgrade])).toBe(upgrade);
    const twoLengths = `POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab${list("/y")}`;
    expect(rewriteAll([twoLengths])).toBe(twoLengths);
  });

  it("keeps empty lines between requests and still sees the LIST after them", () => {
    expect(rewriteAll([`${get("/a")}\r\n${list("/b")}`])).toBe(`${get("/a")}\r\n${listed("/b")}`);
  });
});
