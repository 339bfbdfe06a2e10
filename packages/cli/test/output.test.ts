// The pieces of output and argument reading that need no server: tables, expiry, error lines.

import { CofferError } from "@coffer/sdk";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/args.ts";
import { parseTime } from "../src/commands/audit.ts";
import { parseExpiry } from "../src/commands/tokens.ts";
import { describeError } from "../src/errors.ts";
import { cell, count, dateTime, shortDate, tableWriter, writeTable } from "../src/output.ts";

function table(rows: Array<[string, string]>): string {
  let text = "";
  const out = { write: (chunk: string) => (text += chunk) };
  writeTable(
    out,
    [
      { header: "KEY", value: (row: [string, string]) => row[0] },
      { header: "DESCRIPTION", value: (row: [string, string]) => row[1] },
    ],
    rows,
    "Nothing.",
  );
  return text;
}

describe("tables", () => {
  it("pad every column to its widest cell, headers included", () => {
    expect(
      table([
        ["A", "first"],
        ["LONGER_KEY", "second"],
      ]),
    ).toBe("KEY         DESCRIPTION\nA           first\nLONGER_KEY  second\n");
  });

  it("print the empty message instead of a lone header", () => {
    expect(table([])).toBe("Nothing.\n");
  });

  it("keep a cell on one line, shortened with an ellipsis", () => {
    expect(cell("two\nlines")).toBe("two lines");
    expect(cell("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
    expect(cell("")).toBe("-");
  });

  it("show timestamps to the minute", () => {
    expect(shortDate("2025-03-01T12:34:56.789Z")).toBe("2025-03-01 12:34");
    expect(shortDate(null)).toBe("-");
  });
});

describe("tables whose rows arrive over time", () => {
  it("keep later rows aligned with earlier ones, with the header written once before the first row", () => {
    let text = "";
    const write = tableWriter<[string, string, string]>({ write: (chunk: string) => (text += chunk) }, [
      { header: "ACTION", width: 8, value: (row) => row[0] },
      { header: "TARGET", width: 6, value: (row) => row[1] },
      { header: "VERSION", width: 7, value: (row) => row[2] },
    ]);
    write([]);
    expect(text).toBe("");
    write([["a", "b", "1"]]);
    write([["longer.action", "", "2"]]);
    expect(text).toBe("ACTION    TARGET  VERSION\na         b       1\nlonger.…  -       2\n");
  });

  it("show event times to the second, and count with the right plural", () => {
    expect(dateTime("2025-03-01T12:34:56.789Z")).toBe("2025-03-01 12:34:56");
    expect(count(1, "event")).toBe("1 event");
    expect(count(0, "event")).toBe("0 events");
  });
});

describe("audit times", () => {
  it("read a date as midnight UTC, and a date-time without an offset as UTC", () => {
    expect(parseTime("2025-06-01", "--since")).toBe("2025-06-01T00:00:00.000Z");
    expect(parseTime("2025-06-01T12:30", "--since")).toBe("2025-06-01T12:30:00.000Z");
    expect(parseTime("2025-06-01T12:30:00+02:00", "--since")).toBe("2025-06-01T10:30:00.000Z");
    expect(() => parseTime("last week", "--since")).toThrow(UsageError);
  });
});

describe("token expiry", () => {
  const now = new Date("2025-01-01T00:00:00.000Z");

  it("reads durations in hours, days and weeks from now", () => {
    expect(parseExpiry("12h", now)).toBe("2025-01-01T12:00:00.000Z");
    expect(parseExpiry("30d", now)).toBe("2025-01-31T00:00:00.000Z");
    expect(parseExpiry("2w", now)).toBe("2025-01-15T00:00:00.000Z");
  });

  it("reads ISO dates", () => {
    expect(parseExpiry("2025-06-30", now)).toBe("2025-06-30T00:00:00.000Z");
    expect(parseExpiry("2025-06-30T08:00:00Z", now)).toBe("2025-06-30T08:00:00.000Z");
  });

  it("refuses anything else, and the past", () => {
    expect(() => parseExpiry("30 days", now)).toThrow(UsageError);
    expect(() => parseExpiry("2024-12-31", now)).toThrow(/in the past/);
  });
});

describe("error messages", () => {
  it("name the field the server points at, unless the message already does", () => {
    const error = (message: string, details: Record<string, unknown>) =>
      new CofferError({ status: 400, code: "validation_error", message, details });
    expect(describeError(error("Must be at most 64 characters", { field: "slug" }))).toBe(
      "Error: Must be at most 64 characters (field: slug)",
    );
    expect(describeError(error("Secret key is required", { field: "key" }))).toBe(
      "Error: Secret key is required",
    );
  });

  it("name the missing permission of a 403", () => {
    const error = new CofferError({
      status: 403,
      code: "forbidden",
      message: "This token may not do that",
      details: { permission: "secrets:reveal" },
    });
    expect(describeError(error)).toBe("Error: This token may not do that (needs secrets:reveal)");
  });
});
