// The upstream address the proxy asks for: joined as strings when nothing needs re-spelling, and then always what the
// URL setters would give (the way it was built before, kept here as the reference).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPathSpelling } from "./destinations.ts";
import { upstreamPath } from "./proxy-service.ts";

const BASES = ["http://127.0.0.1:8080", "https://api.example.com/v1", "https://api.example.com/a%20b/c"];

function connectionFor(base: string) {
  const baseUrl = new URL(base);
  return { baseUrl, basePath: baseUrl.pathname.replace(/\/$/, "") };
}

/** The setters' spelling: the path and query as `new URL` + `pathname` + `search` (or URLSearchParams) leave them. */
function viaSetters(base: string, path: string, query: string, added: Record<string, string>): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/$/, "")}${path}`;
  if (Object.keys(added).length === 0) {
    url.search = query;
  } else {
    const params = new URLSearchParams(query);
    for (const name of Object.keys(added)) params.delete(name);
    for (const [name, value] of Object.entries(added)) params.append(name, value);
    url.search = params.toString();
  }
  return `${url.pathname}${url.search}`;
}

function passesSpellingCheck(path: string): boolean {
  try {
    checkPathSpelling(path);
    return true;
  } catch {
    return false;
  }
}

/** Every printable ASCII character, a few controls and non-ASCII ones, and percent-escapes, valid or not. */
const PIECES = [
  ...Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)),
  "\t",
  "\u007f",
  "é",
  "€",
  "😀",
  "%20",
  "%2",
  "%zz",
  "%41",
];
/** Mostly characters that URLs carry as they are, so that a single one of the others is often the only one. */
const COMMON = [..."aZ09-._~!$&'()*+,;=:@%"];
const text = fc
  .array(fc.oneof({ arbitrary: fc.constantFrom(...COMMON), weight: 12 }, fc.constantFrom(...PIECES)), {
    maxLength: 12,
  })
  .map((pieces) => pieces.join(""));
const path = fc
  .array(text, { minLength: 1, maxLength: 4 })
  .map((segments) => `/${segments.join("/")}`)
  .filter((candidate) => !candidate.includes("?") && passesSpellingCheck(candidate));
const query = text.map((candidate) => candidate.replace(/#/g, ""));

describe("upstreamPath", () => {
  it("joins a plain path and query as they came", () => {
    const connection = connectionFor("https://api.example.com/v1");
    expect(upstreamPath(connection, { path: "/models", query: "" }, {})).toBe("/v1/models");
    expect(upstreamPath(connection, { path: "/chat/completions", query: "stream=true&n=2" }, {})).toBe(
      "/v1/chat/completions?stream=true&n=2",
    );
    expect(upstreamPath(connectionFor("http://127.0.0.1:8080"), { path: "/", query: "" }, {})).toBe("/");
  });

  it("lets the URL setters spell what they would re-encode", () => {
    const connection = connectionFor("https://api.example.com");
    expect(upstreamPath(connection, { path: "/a b/é", query: "q=it's <here>" }, {})).toBe(
      "/a%20b/%C3%A9?q=it%27s%20%3Chere%3E",
    );
  });

  it("replaces the caller's query parameters that the connection sets", () => {
    const connection = connectionFor("https://api.example.com");
    expect(upstreamPath(connection, { path: "/x", query: "key=mine&page=2" }, { key: "theirs" })).toBe(
      "/x?page=2&key=theirs",
    );
  });

  it("always equals what the URL setters give", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BASES),
        path,
        query,
        fc.option(fc.dictionary(fc.constantFrom("key", "q", "a b"), text, { maxKeys: 2 }), { nil: {} }),
        (base, requestPath, requestQuery, added) => {
          expect(upstreamPath(connectionFor(base), { path: requestPath, query: requestQuery }, added)).toBe(
            viaSetters(base, requestPath, requestQuery, added),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
