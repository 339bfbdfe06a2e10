// Runs a server under test as a child process: waits for its "listening on URL" line, keeps draining its
// output, and makes sure it dies with the bench (normal end, error, Ctrl-C).
//
// The child's standard output goes to a file, not to a pipe read here: Coffer writes a log line per request, and
// the load generator runs in this process, so reading those lines took CPU from the load generator in Coffer's
// runs only (the baseline prints nothing per request). In production a server's logs go to a file or the journal,
// not to its clients.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";

export interface StartChildServerOptions {
  /** Shown in messages: "coffer", "baseline". */
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Matched against each output line until it matches; group 1 is the server's URL. */
  readyLine: RegExp;
  readyTimeoutMs: number;
}

export interface ChildServer {
  url: string;
  pid: number;
  /** The last few KiB the child wrote to stderr (and stdout), for error messages. */
  recentOutput(): string;
  /** SIGTERM, then SIGKILL if it is still alive after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;
const TAIL_BYTES = 8_192;
const MAX_PENDING_LINE = 65_536;
/** How often the output file is read for the ready line while the child starts. */
const READY_POLL_MS = 20;
/**
 * Past this size the output file is emptied (checked every second): Coffer logs ~300 bytes per request, which
 * would be gigabytes over a soak or a long --duration. Only the tail is ever shown.
 */
const OUTPUT_CAP_BYTES = 32 * 1024 * 1024;

const running = new Set<ChildProcess>();

export async function startChildServer(options: StartChildServerOptions): Promise<ChildServer> {
  const outputDir = mkdtempSync(join(tmpdir(), `coffer-bench-${options.name}-`));
  const stdout = new OutputFile(join(outputDir, "stdout.log"));
  // Its own process group, so stopping it also stops anything it spawned.
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", stdout.fd, "pipe"],
      detached: true,
    });
  } finally {
    stdout.closeWriter();
  }
  running.add(child);
  const exited = once(child, "exit").catch(() => undefined);
  child.once("exit", () => running.delete(child));

  const stderrTail = new OutputTail();
  const recentOutput = () => formatRecentOutput(stderrTail.text(), stdout.tail());
  const capping = setInterval(() => stdout.cap(OUTPUT_CAP_BYTES), 1_000);
  capping.unref();
  const stop = async () => {
    clearInterval(capping);
    await stopChild(child, exited);
    rmSync(outputDir, { recursive: true, force: true });
  };

  try {
    const url = await waitForReadyLine(child, options, stdout, stderrTail, recentOutput);
    return { url, pid: child.pid ?? -1, recentOutput, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Stops every child still running; bounded by the grace period. */
export async function stopAllChildServers(): Promise<void> {
  await Promise.all(
    [...running].map((child) =>
      stopChild(
        child,
        once(child, "exit").catch(() => undefined),
      ),
    ),
  );
}

/** Synchronous last resort for process "exit": no waiting possible there. */
export function killAllChildServersNow(): void {
  for (const child of running) signalGroup(child, "SIGKILL");
}

function waitForReadyLine(
  child: ChildProcess,
  options: StartChildServerOptions,
  stdout: OutputFile,
  stderrTail: OutputTail,
  recentOutput: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let ready = false;
    const fail = (message: string) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`${message}\n${indent(recentOutput())}`));
    };
    const timer = setTimeout(
      () => fail(`${options.name} did not print its ready line within ${options.readyTimeoutMs} ms`),
      options.readyTimeoutMs,
    );
    const onLine = (line: string) => {
      const match = ready ? null : options.readyLine.exec(line);
      if (!match?.[1]) return;
      ready = true;
      clearTimeout(timer);
      clearInterval(poll);
      resolve(match[1]);
    };
    let pending = "";
    const poll = setInterval(() => {
      pending += stdout.readNew();
      const lines = pending.split("\n");
      pending = (lines.pop() ?? "").slice(-MAX_PENDING_LINE);
      for (const line of lines) onLine(line);
    }, READY_POLL_MS);
    // Draining never stops: a child blocked on a full pipe would distort the measurement.
    drainLines(child.stderr, stderrTail, onLine, () => ready);
    child.once("error", (error) => fail(`${options.name} could not be started: ${error.message}`));
    child.once("exit", (code, signal) =>
      fail(`${options.name} exited before it was ready (${signal ?? `exit code ${code}`})`),
    );
  });
}

function drainLines(
  stream: NodeJS.ReadableStream | null,
  tail: OutputTail,
  onLine: (line: string) => void,
  isReady: () => boolean,
): void {
  if (!stream) return;
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    tail.append(chunk);
    if (isReady()) return;
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = (lines.pop() ?? "").slice(-MAX_PENDING_LINE);
    for (const line of lines) onLine(line);
  });
  stream.on("error", () => undefined);
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalGroup(child, "SIGTERM");
  const graceOver = new Promise<"timeout">((resolve) =>
    setTimeout(resolve, STOP_GRACE_MS, "timeout").unref(),
  );
  if ((await Promise.race([exited, graceOver])) !== "timeout") return;
  signalGroup(child, "SIGKILL");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone; fall back to the child itself in case it left its group.
    child.kill(signal);
  }
}

/** The file a child writes its standard output to: read from here while it starts, and its tail for errors. */
class OutputFile {
  readonly fd: number;
  #path: string;
  #read = 0;
  #decoder = new StringDecoder("utf8");

  constructor(path: string) {
    this.#path = path;
    // Append mode, shared with the child: once the file is emptied, its writes start again at the beginning.
    this.fd = openSync(path, "a");
  }

  /** Empties the file when it is larger than `bytes` (the lines in it are lost; later ones are kept). */
  cap(bytes: number): void {
    try {
      if (statSync(this.#path).size > bytes) truncateSync(this.#path, 0);
    } catch {
      // Already removed: the child has stopped.
    }
  }

  /** The child has its own copy of the descriptor once spawned. */
  closeWriter(): void {
    closeSync(this.fd);
  }

  /** What the child wrote since the last call (a character cut at the end waits for its other bytes). */
  readNew(): string {
    const bytes = this.#bytesFrom(this.#read);
    this.#read += bytes.length;
    return this.#decoder.write(bytes);
  }

  tail(): string {
    return this.#bytesFrom(-TAIL_BYTES).toString("utf8").trim();
  }

  /** From `start` (negative: that many bytes before the end) to the end of the file. */
  #bytesFrom(start: number): Buffer {
    let fd: number;
    try {
      fd = openSync(this.#path, "r");
    } catch {
      return Buffer.alloc(0);
    }
    try {
      const size = fstatSync(fd).size;
      const from = start < 0 ? Math.max(0, size + start) : Math.min(start, size);
      const buffer = Buffer.alloc(size - from);
      const read = readSync(fd, buffer, 0, buffer.length, from);
      return buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }
}

class OutputTail {
  #chunks: Buffer[] = [];
  #bytes = 0;

  append(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes > TAIL_BYTES && this.#chunks.length > 1) {
      this.#bytes -= this.#chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    return Buffer.concat(this.#chunks).subarray(-TAIL_BYTES).toString("utf8").trim();
  }
}

function formatRecentOutput(stderr: string, stdout: string): string {
  const parts = [
    stderr ? `stderr (last lines):\n${stderr}` : "stderr: (empty)",
    stdout ? `stdout (last lines):\n${stdout}` : "stdout: (empty)",
  ];
  return parts.join("\n");
}

function indent(text: string): string {
  return text.replace(/^/gm, "  ");
}
