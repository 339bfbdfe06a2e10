// Test helpers: run the CLI in-process with fake streams, or as a real child process.

import { type ChildProcess, spawn } from "node:child_process";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Io } from "../src/io.ts";
import { main } from "../src/main.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliInput {
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Pretend stdin is a terminal (for the delete confirmation). */
  tty?: boolean;
}

export const BIN = fileURLToPath(new URL("../bin/coffer.js", import.meta.url));

/** Runs `coffer argv…` in this process; nothing touches the real stdout, stderr or environment. */
export async function runInProcess(argv: string[], input: CliInput = {}): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stdin = Readable.from(input.stdin === undefined ? [] : [input.stdin]) as Io["stdin"];
  stdin.isTTY = input.tty ?? false;
  const io: Io = {
    stdin,
    stdout: { write: (chunk: string) => stdout.push(chunk) },
    stderr: { write: (chunk: string) => stderr.push(chunk) },
    env: input.env ?? {},
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** Runs the real executable in a child process, with a bounded time. */
export function runBinary(argv: string[], input: CliInput = {}, timeoutMs = 15_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: { PATH: process.env["PATH"], ...input.env },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (signal) reject(new Error(`coffer ${argv.join(" ")} was killed by ${signal}\n${stderr}`));
      else resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input.stdin ?? "");
  });
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `ready` holds for the output so far; rejects after `timeoutMs` with the output. */
  waitFor(ready: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves to the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts the real executable for a command that runs until stopped (`audit tail --follow`). */
export function startBinary(argv: string[], input: CliInput = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...argv], {
    env: { PATH: process.env["PATH"], ...input.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = async (ready: () => boolean, timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`coffer ${argv.join(" ")}: condition not met\n${stdout}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, exited };
}
