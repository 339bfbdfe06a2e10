import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createRedactor,
  encodedSpellings,
  type RedactedValue,
  SPELLED_ONE_WAY,
  usedValues,
} from "./redactor.ts";

async function streamed(values: RedactedValue[], chunks: (string | Buffer)[]): Promise<string> {
  const redactor = createRedactor(values)!;
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(
    redactor.createStream(),
  )) {
    out.push(chunk as Buffer);
  }
  return Buffer.concat(out).toString("utf8");
}

/** Cuts `text` (as UTF-8 bytes) at the given offsets, which may fall inside a multi-byte character. */
function cut(text: string, offsets: number[]): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  const points = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

const KEY = { label: "OPENAI_API_KEY", value: "sk-live-0123456789abcdef" };

describe("the redactor", () => {
  it("replaces a value in a complete text by [REDACTED:NAME]", () => {
    const redactor = createRedactor([KEY])!;
    expect(redactor.redactText(`Bearer ${KEY.value}, again ${KEY.value}`)).toBe(
      "Bearer [REDACTED:OPENAI_API_KEY], again [REDACTED:OPENAI_API_KEY]",
    );
  });

  it("redacts a value split across two chunks, and one split byte by byte", async () => {
    const text = `{"echo":"Bearer ${KEY.value}"}`;
    const middle = text.indexOf(KEY.value) + 7;
    expect(await streamed([KEY], [text.slice(0, middle), text.slice(middle)])).toBe(
      '{"echo":"Bearer [REDACTED:OPENAI_API_KEY]"}',
    );
    expect(
      await streamed(
        [KEY],
        [...Buffer.from(text)].map((byte) => Buffer.from([byte])),
      ),
    ).toBe('{"echo":"Bearer [REDACTED:OPENAI_API_KEY]"}');
  });

  it("redacts the JSON-escaped and percent-encoded spellings of a value", () => {
    const redactor = createRedactor([{ label: "PW", value: 'a"b/c d\\e' }])!;
    expect(redactor.redactText(JSON.stringify({ echo: 'a"b/c d\\e' }))).toBe('{"echo":"[REDACTED:PW]"}');
    expect(redactor.redactText(`?q=${encodeURIComponent('a"b/c d\\e')}`)).toBe("?q=[REDACTED:PW]");
  });

  it("redacts the form-encoded spelling of a value however the stream is cut", async () => {
    const value = "a b/c+d=e&f";
    const formEncoded = new URLSearchParams({ q: value }).toString().slice("q=".length);
    expect(formEncoded).toBe("a+b%2Fc%2Bd%3De%26f");
    const values = [{ label: "PW", value }];
    const text = `q=${formEncoded}&next=1`;
    const start = text.indexOf(formEncoded);
    const end = start + formEncoded.length;

    const cuttings: number[][] = [[...Buffer.from(text).keys()]];
    for (let first = start; first <= end; first++) {
      cuttings.push([first]);
      for (let second = first + 1; second <= end; second++) cuttings.push([first, second]);
    }
    for (const offsets of cuttings) {
      const out = await streamed(values, cut(text, offsets));
      expect(out, `cut at ${offsets.join(", ")}`).toBe("q=[REDACTED:PW]&next=1");
    }
  });

  it("redacts percent-encodings written with lowercase hex or by strict RFC 3986 encoders", async () => {
    const value = "it's (a*b)! c/d";
    const redactor = createRedactor([{ label: "PW", value }])!;
    // encodeURIComponent leaves !'()* alone; Python's quote / quote_plus and other strict encoders escape them.
    const strict = "it%27s%20%28a%2Ab%29%21%20c%2Fd";
    for (const spelling of [
      encodeURIComponent(value),
      strict,
      strict.replaceAll("%20", "+"),
      strict.toLowerCase(),
      encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (sequence) => sequence.toLowerCase()),
      new URLSearchParams({ q: value }).toString().slice(2).toLowerCase(),
    ]) {
      expect(redactor.redactText(`echo=${spelling};`), spelling).toBe("echo=[REDACTED:PW];");
      const middle = 6 + Math.floor(spelling.length / 2);
      const text = `echo=${spelling};`;
      expect(await streamed([{ label: "PW", value }], [text.slice(0, middle), text.slice(middle)])).toBe(
        "echo=[REDACTED:PW];",
      );
    }
  });

  it("adds no spellings for a value made only of unreserved characters", () => {
    expect(createRedactor([KEY])!.longestPattern).toBe(KEY.value.length);
  });

  it("names a non-default field KEY.field, and prefers the longest value at the same position", () => {
    const values = usedValues(
      [
        { name: "DB", field: "password" },
        { name: "SHORT", field: "value" },
      ],
      new Map<string, Record<string, string>>([
        ["DB", { password: "hunter2-hunter2" }],
        ["SHORT", { value: "hunter2" }],
      ]),
    );
    expect(values.map((value) => value.label)).toEqual(["DB.password", "SHORT"]);
    expect(createRedactor(values)!.redactText("x hunter2-hunter2 hunter2")).toBe(
      "x [REDACTED:DB.password] [REDACTED:SHORT]",
    );
  });

  it("passes a chunk ending in a server-sent event boundary on at once, holding back nothing", async () => {
    const redactor = createRedactor([KEY])!;
    const stream = redactor.createStream();
    const out: string[] = [];
    stream.on("data", (chunk: Buffer) => out.push(chunk.toString()));
    stream.write(Buffer.from("data: first\n\n"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(out).toEqual(["data: first\n\n"]);
    stream.end();
  });

  it("holds back only a chunk's end that could begin a value, and releases it when the value does not come", async () => {
    const redactor = createRedactor([KEY])!;
    const stream = redactor.createStream();
    const out: string[] = [];
    stream.on("data", (chunk: Buffer) => out.push(chunk.toString()));
    stream.write(Buffer.from("token: sk-li"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(out).toEqual(["token: "]);
    stream.write(Buffer.from("mited offer"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.join("")).toBe("token: sk-limited offer");
    stream.end();
  });

  it("creates no redactor when there is nothing to redact", () => {
    expect(createRedactor([])).toBeUndefined();
    expect(createRedactor([{ label: "EMPTY", value: "" }])).toBeUndefined();
  });
});

// Values over "abcd" and the text's filler over "abcdxy": markers ("[REDACTED:V0]") share no character with a
// value, so no value can appear across a marker and the output can be searched for values directly.
const valueArbitrary = fc.string({ unit: fc.constantFrom("a", "b", "c", "d"), minLength: 1, maxLength: 10 });
const valuesArbitrary = fc
  .uniqueArray(valueArbitrary, { minLength: 1, maxLength: 4 })
  .map((values) => values.map((value, index) => ({ label: `V${index}`, value })));

const streamCase = valuesArbitrary.chain((values) =>
  fc.record({
    values: fc.constant(values),
    text: fc
      .array(
        fc.oneof(
          fc.constantFrom(...values.map((value) => value.value)),
          fc.string({ unit: fc.constantFrom("a", "b", "c", "d", "x", "y", "é"), maxLength: 6 }),
        ),
        { maxLength: 16 },
      )
      .map((pieces) => pieces.join("")),
    cuts: fc.array(fc.nat({ max: 200 }), { maxLength: 12 }),
  }),
);

describe("properties of the redactor", () => {
  it("random chunkings of a stream never leak a value and give the same output as redacting it whole", async () => {
    await fc.assert(
      fc.asyncProperty(streamCase, async ({ values, text, cuts }) => {
        const whole = createRedactor(values)!.redactBuffer(Buffer.from(text)).toString("utf8");
        const chunked = await streamed(values, cut(text, cuts));
        expect(chunked).toBe(whole);
        for (const { value } of values) expect(chunked.includes(value)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("text holding no value comes through unchanged, however it is cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        valuesArbitrary,
        fc.string({ unit: fc.constantFrom("x", "y", "z", " ", "\n", "é"), maxLength: 60 }),
        fc.array(fc.nat({ max: 100 }), { maxLength: 8 }),
        async (values, text, cuts) => {
          expect(await streamed(values, cut(text, cuts))).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the one-spelling shortcut", () => {
  it("is taken only for values that every encoder leaves as they are", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (value) => {
        const spelledOneWay = new Set(encodedSpellings(value)).size === 1;
        // The shortcut may skip the encoders only when they would have added nothing.
        if (SPELLED_ONE_WAY.test(value)) expect(spelledOneWay).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._-]{0,40}$/), (value) => {
        expect(SPELLED_ONE_WAY.test(value)).toBe(true);
        expect(new Set(encodedSpellings(value))).toEqual(new Set([value]));
      }),
    );
    // "~" is kept by percent-encoding but escaped by form encoding: not one spelling.
    expect(SPELLED_ONE_WAY.test("a~b")).toBe(false);
    expect(new Set(encodedSpellings("a~b")).size).toBeGreaterThan(1);
  });
});
