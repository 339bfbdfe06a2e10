// The contract between the runner and a scenario file under bench/scenarios/.
import type { BaselineOptions } from "./baseline.ts";
import type { ChildServer } from "./child-server.ts";
import type { CofferInstance, StartCofferOptions } from "./coffer.ts";
import type { LoadOptions, LoadSummary } from "./load.ts";
import type { BenchRow } from "./rows.ts";

export interface BenchOptions {
  /** Seconds measured per load run. */
  duration: number;
  connections: number;
  /** Seconds of unmeasured load before each measured run. */
  warmup: number;
  /** Which of the above were given on the command line; a scenario with defaults of its own (soak) reads this. */
  given: { duration: boolean; warmup: boolean };
}

export interface BenchContext {
  options: BenchOptions;
  /** A fresh Coffer dev server; stopped by the runner when the scenario ends, if the scenario did not. */
  startCoffer(options?: StartCofferOptions): Promise<CofferInstance>;
  /**
   * The bare node:http baseline server (answering after `delayMs`, default 0); stopped by the runner when the
   * scenario ends, if not before.
   */
  startBaseline(options?: BaselineOptions): Promise<ChildServer>;
  /** A bare Node relay (bench/relay-server.ts) forwarding to `upstream`; stopped like the others. */
  startRelay(upstream: string): Promise<ChildServer>;
  /** One load run; duration, connections and warm-up default to the command-line options. */
  load(options: Pick<LoadOptions, "url"> & Partial<LoadOptions>): Promise<LoadSummary>;
  /** A progress line on stderr (stdout carries only the results). */
  log(message: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  /** Run by a bare `npm run bench`; long ones (soak) are run only when named. Default true. */
  runsByDefault?: boolean;
  run(context: BenchContext): Promise<BenchRow[]>;
}
