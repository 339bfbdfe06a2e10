// Starts `coffer serve` as a child process and waits for its "Coffer listening on URL" line.

import { type ChildProcess, spawn } from "node:child_process";
import { BIN } from "./run-cli.ts";

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server printed so far, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period; resolves to the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export function startServer(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (graceMs = 5_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      void stop(0);
      reject(new Error(`${reason}\n--- server output ---\n${output}`));
    };
    const timer = setTimeout(() => fail(`coffer serve did not start within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /^Coffer listening on (http:\/\/\S+)$/m.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: match[1]!, child, output: () => output, stop });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("exit", (code) => fail(`coffer serve exited with code ${code} before listening`));
  });
}
