// Drives one HTTP load run with autocannon (warm-up first, not counted) and reduces it to the bench's figures.
import { createHistogram } from "node:perf_hooks";
import autocannon from "autocannon";

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  method?: "GET" | "POST";
  body?: string;
  /** A sequence each connection cycles through instead of one request (autocannon's `requests`). */
  requests?: autocannon.Request[];
  /** Seconds measured. */
  duration: number;
  connections: number;
  /** Seconds of load before the measured run; its latencies and rate are discarded, its failures are not. */
  warmup: number;
}

export interface LoadSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Responses received in the measured run. */
  responses: number;
  /** Connection errors and timeouts, warm-up included. */
  errors: number;
  /** Responses with a status outside 2xx, warm-up included. */
  non2xx: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
  connections: number;
}

const REQUEST_TIMEOUT_SECONDS = 10;

/** Runs of one configuration as one: mean rate and percentiles, summed counts. */
export function meanOf(runs: LoadSummary[]): LoadSummary {
  const mean = (pick: (run: LoadSummary) => number) =>
    runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  const sum = (pick: (run: LoadSummary) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return {
    ...(runs.at(-1) as LoadSummary),
    requestsPerSecond: mean((run) => run.requestsPerSecond),
    p50Ms: mean((run) => run.p50Ms),
    p99Ms: mean((run) => run.p99Ms),
    maxMs: Math.max(...runs.map((run) => run.maxMs)),
    responses: sum((run) => run.responses),
    errors: sum((run) => run.errors),
    non2xx: sum((run) => run.non2xx),
    durationSeconds: sum((run) => run.durationSeconds),
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const warmup = options.warmup > 0 ? await runAutocannon(options, options.warmup) : undefined;
  const measured = await runAutocannon(options, options.duration);
  const statusCodes = { ...measured.statusCodes };
  for (const [code, count] of Object.entries(warmup?.statusCodes ?? {})) {
    statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  return {
    requestsPerSecond: measured.responses / measured.durationSeconds,
    p50Ms: measured.p50Ms,
    p99Ms: measured.p99Ms,
    maxMs: measured.maxMs,
    responses: measured.responses,
    errors: measured.errors + (warmup?.errors ?? 0),
    non2xx: measured.non2xx + (warmup?.non2xx ?? 0),
    statusCodes,
    durationSeconds: measured.durationSeconds,
    connections: options.connections,
  };
}

interface RawRun {
  responses: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
}

let activeRun: autocannon.Instance | undefined;

/** Stops the load run in progress, if any (used on Ctrl-C so the process can exit promptly). */
export function stopActiveLoad(): void {
  activeRun?.stop();
}

async function runAutocannon(options: LoadOptions, durationSeconds: number): Promise<RawRun> {
  // autocannon's own latency histogram keeps whole milliseconds; sub-millisecond p50s need microseconds.
  const latencyMicros = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: durationSeconds,
    method: options.method ?? "GET",
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.requests === undefined ? {} : { requests: options.requests }),
    timeout: REQUEST_TIMEOUT_SECONDS,
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseMs: number) => {
    latencyMicros.record(Math.max(1, Math.round(responseMs * 1000)));
  });
  activeRun = instance;
  try {
    const result = await instance;
    const statusCodes: Record<string, number> = {};
    for (const [code, stats] of Object.entries(result.statusCodeStats)) statusCodes[code] = stats.count;
    return {
      responses: result.requests.total,
      p50Ms: latencyMicros.count === 0 ? Number.NaN : latencyMicros.percentile(50) / 1000,
      p99Ms: latencyMicros.count === 0 ? Number.NaN : latencyMicros.percentile(99) / 1000,
      maxMs: latencyMicros.count === 0 ? Number.NaN : latencyMicros.max / 1000,
      errors: result.errors,
      non2xx: result.non2xx,
      statusCodes,
      durationSeconds: result.duration,
    };
  } finally {
    activeRun = undefined;
  }
}
