// The process streams and environment, passed in so commands can be run in tests without a process.

import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface Writer {
  write(chunk: string): unknown;
  /** True on a terminal: progress is then drawn as a bar rewritten in place. */
  isTTY?: boolean;
}

export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: Writer;
  stderr: Writer;
  env: Record<string, string | undefined>;
}

export function processIo(): Io {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Reads all of stdin, minus one trailing newline (what `echo` and editors add). */
export async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks a yes/no question on stderr and reads the answer from stdin; anything but y/yes is no. */
export async function confirm(io: Io, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  const lines = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of lines) {
      return /^\s*y(es)?\s*$/i.test(line);
    }
    return false;
  } finally {
    lines.close();
  }
}

/**
 * A signal that aborts at the first SIGINT (Ctrl-C) or SIGTERM, for a command that runs until it is
 * stopped; `release()` gives the signals back their default meaning.
 */
export function untilInterrupted(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Asks for one line on a terminal (stderr) and reads it from stdin. */
export async function promptLine(io: Io, question: string): Promise<string> {
  io.stderr.write(question);
  const lines = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    return "";
  } finally {
    lines.close();
  }
}

/** Asks for a secret on a terminal without echoing what is typed; Ctrl-C cancels. */
export function promptHidden(io: Io, question: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  io.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (): void => {
      stdin.off("data", onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write("\n");
    };
    const onData = (chunk: string | Buffer): void => {
      for (const char of String(chunk)) {
        if (char === "\r" || char === "\n" || char === "\u0004") {
          finish();
          resolve(typed);
          return;
        }
        if (char === "\u0003") {
          finish();
          reject(new Error("cancelled"));
          return;
        }
        typed = char === "\u007f" || char === "\b" ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.on("data", onData);
  });
}

/** Writes a new file only its owner can read (it holds values); an existing file is never overwritten. */
export function writePrivateFile(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new Error(`${path} already exists: refusing to overwrite it (remove it, or choose another file)`);
  }
}
