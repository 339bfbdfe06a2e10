// Starts bench/baseline-server.ts in a child process, so the load generator and the server under test
// never share one event loop.
import { join } from "node:path";
import { type ChildServer, startChildServer } from "./child-server.ts";

const BASELINE_SCRIPT = join(import.meta.dirname, "..", "baseline-server.ts");

export function startBaselineServer(): Promise<ChildServer> {
  return startChildServer({
    name: "baseline",
    args: [BASELINE_SCRIPT],
    readyLine: /Baseline listening on (http:\/\/\S+)/,
    readyTimeoutMs: 10_000,
  });
}
