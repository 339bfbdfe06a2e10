// Starts bench/baseline-server.ts in a child process, so the load generator and the server under test
// never share one event loop.
import { join } from "node:path";
import { type ChildServer, startChildServer } from "./child-server.ts";

const BASELINE_SCRIPT = join(import.meta.dirname, "..", "baseline-server.ts");
export type BaselineOptions = { delayMs?: number; jitterMs?: number };

const RELAY_SCRIPT = join(import.meta.dirname, "..", "relay-server.ts");

/**
 * `delayMs`: each answer leaves that long after its request arrived (an upstream that does work); `jitterMs`:
 * give or take up to that much, uniformly (an upstream whose answers vary).
 */
export function startBaselineServer(options: BaselineOptions = {}): Promise<ChildServer> {
  const delay = options.delayMs ?? 0;
  const jitter = options.jitterMs ?? 0;
  const args = [BASELINE_SCRIPT];
  if (delay > 0) args.push("--delay-ms", String(delay));
  if (jitter > 0) args.push("--jitter-ms", String(jitter));
  return startChildServer({
    name: "baseline",
    args,
    readyLine: /Baseline listening on (http:\/\/\S+)/,
    readyTimeoutMs: 10_000,
  });
}

/** A bare Node relay in front of `upstream` (an origin): the floor for what any second hop adds. */
export function startRelayServer(upstream: string): Promise<ChildServer> {
  return startChildServer({
    name: "relay",
    args: [RELAY_SCRIPT, upstream],
    readyLine: /Relay listening on (http:\/\/\S+)/,
    readyTimeoutMs: 10_000,
  });
}
