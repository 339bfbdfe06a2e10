// Builds the BenchContext handed to one scenario and tracks what it started, so the runner can clean up.

import { startBaselineServer, startRelayServer } from "./baseline.ts";
import type { ChildServer } from "./child-server.ts";
import { type CofferInstance, startCoffer } from "./coffer.ts";
import { runLoad } from "./load.ts";
import type { BenchContext, BenchOptions } from "./scenario.ts";

export interface ScenarioContext {
  context: BenchContext;
  /** Stops every server the scenario started and did not stop itself. */
  cleanup(): Promise<void>;
}

export function createScenarioContext(scenarioName: string, options: BenchOptions): ScenarioContext {
  const started: Array<ChildServer | CofferInstance> = [];
  const log = (message: string) => process.stderr.write(`[${scenarioName}] ${message}\n`);
  const context: BenchContext = {
    options,
    log,
    async startCoffer(cofferOptions) {
      const coffer = await startCoffer(cofferOptions);
      started.push(coffer);
      log(`coffer listening on ${coffer.url}`);
      return coffer;
    },
    async startBaseline(baselineOptions) {
      const baseline = await startBaselineServer(baselineOptions);
      started.push(baseline);
      log(`baseline listening on ${baseline.url}`);
      return baseline;
    },
    async startRelay(upstream) {
      const relay = await startRelayServer(upstream);
      started.push(relay);
      log(`relay to ${upstream} listening on ${relay.url}`);
      return relay;
    },
    load(loadOptions) {
      const merged = { ...options, ...loadOptions };
      log(
        `${merged.warmup} s warm-up + ${merged.duration} s at ${merged.connections} connections: ${merged.url}`,
      );
      return runLoad(merged);
    },
  };
  return {
    context,
    // stop() is idempotent for both kinds, so servers a scenario already stopped are harmless here.
    cleanup: async () => {
      await Promise.all(started.map((server) => server.stop()));
    },
  };
}
