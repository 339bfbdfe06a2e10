// Scenario `soak` (hardening issue): a mix of reveals, updates, proxied calls and listings at the highest rate the
// machine sustains, for 2 minutes by default, while the Coffer process's resident memory is sampled every second.
// Goals: no error and no non-2xx answer, and resident memory growing by less than 10 % after the warm-up.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type autocannon from "autocannon";
import type { CofferInstance } from "../lib/coffer.ts";
import type { LoadSummary } from "../lib/load.ts";
import { type BenchRow, figureRow, loadRow } from "../lib/rows.ts";
import type { BenchContext, Scenario } from "../lib/scenario.ts";

const DEFAULT_DURATION_S = 120;
const PROJECT = "soak";
const ENVIRONMENT = "development";
/** Revealed in turn (with the written ones); far below any secrets-per-environment limit. */
const READ_SECRETS = 100;
/**
 * Updated in turn. Two updates of one secret at once would make the second a 409 (optimistic concurrency): with
 * this many, consecutive updates of a secret are hundreds of requests apart, while at most `connections` are in
 * flight.
 */
const WRITE_SECRETS = 200;
/** The secret the proxied calls' header template uses: one that the writes keep changing. */
const PROXY_SECRET = "SOAK_WRITE_000";
/** One turn of each connection, 20 requests: 14 reveals (70 %), 3 updates (15 %), 2 proxied calls (10 %), 1 list or describe (5 %). */
const TURN = "RRWRRPRRWRLRRPRWRRRR";
const MIB = 1024 * 1024;

type Phase = "warm-up" | "measured";
type RssSample = { phase: Phase; atMs: number; bytes: number };

export const soakScenario: Scenario = {
  name: "soak",
  description:
    "2 min (or --duration) of 70 % reveals, 15 % updates, 10 % proxied calls, 5 % lists; memory growth",
  runsByDefault: false,
  async run(context) {
    const duration = context.options.given.duration ? context.options.duration : DEFAULT_DURATION_S;
    // The caches, the JIT and the heap settle before memory is compared: --warmup seconds if given, otherwise slices
    // of load until the resident size holds still (V8 grows its young generation under load once, tens of seconds
    // in, then stays: that step is sizing, not a leak).
    const fixedWarmup = context.options.given.warmup ? context.options.warmup : undefined;
    const upstream = await context.startBaseline();
    const coffer = await context.startCoffer({ env: { COFFER_PROXY_ALLOW_LOOPBACK: "1" } });
    const useToken = await setUp(coffer, upstream.url);
    const requests = soakRequests(coffer, useToken);

    const sampler = startRssSampler(coffer.pid);
    try {
      sampler.phase = "warm-up";
      const { load: warm, seconds: warmup } = await warmUp(
        context,
        coffer.url,
        requests,
        sampler,
        fixedWarmup,
      );
      sampler.phase = "measured";
      const measured = await context.load({ url: coffer.url, requests, duration, warmup: 0 });
      return [
        loadRow(`warm-up ${formatSeconds(warmup)}`, warm),
        loadRow(`mix ${formatSeconds(duration)}`, measured),
        ...memoryRows(sampler.samples, duration),
        figureRow("max latency", measured.maxMs, "ms"),
        figureRow("errors + non-2xx", warm.errors + warm.non2xx + measured.errors + measured.non2xx, "", {
          atMost: 0,
        }),
      ];
    } finally {
      sampler.stop();
      await coffer.stop();
      await upstream.stop();
    }
  },
};

const WARMUP_SLICE_S = 10;
const WARMUP_MAX_S = 120;
/** The resident size holds still when two consecutive slices' means differ by less than this. */
const WARMUP_STABLE_RATIO = 0.03;

/**
 * Loads Coffer in slices of WARMUP_SLICE_S until the mean resident size of a slice is within 3 % of the previous
 * slice's (at most WARMUP_MAX_S), or for `fixedSeconds`. Errors of every slice count.
 */
async function warmUp(
  context: BenchContext,
  url: string,
  requests: autocannon.Request[],
  sampler: { samples: RssSample[] },
  fixedSeconds: number | undefined,
): Promise<{ load: LoadSummary; seconds: number }> {
  if (fixedSeconds !== undefined) {
    return {
      load: await context.load({ url, requests, duration: fixedSeconds, warmup: 0 }),
      seconds: fixedSeconds,
    };
  }
  const slices: LoadSummary[] = [];
  let previousMean: number | undefined;
  for (let seconds = 0; seconds < WARMUP_MAX_S; seconds += WARMUP_SLICE_S) {
    const before = sampler.samples.length;
    slices.push(await context.load({ url, requests, duration: WARMUP_SLICE_S, warmup: 0 }));
    const slice = sampler.samples.slice(before);
    if (slice.length === 0) continue;
    const mean = slice.reduce((sum, sample) => sum + sample.bytes, 0) / slice.length;
    if (previousMean !== undefined && Math.abs(mean - previousMean) / previousMean < WARMUP_STABLE_RATIO)
      break;
    previousMean = mean;
  }
  const last = slices.at(-1) as LoadSummary;
  return {
    load: {
      ...last,
      errors: slices.reduce((sum, slice) => sum + slice.errors, 0),
      non2xx: slices.reduce((sum, slice) => sum + slice.non2xx, 0),
    },
    seconds: slices.length * WARMUP_SLICE_S,
  };
}

/** The project, the secrets (one batch request), the proxy's connection, and a `secrets:use` token for it. */
async function setUp(coffer: CofferInstance, upstreamUrl: string): Promise<string> {
  await coffer.createProject(PROJECT);
  const value = () => randomBytes(24).toString("base64url");
  const secrets = [
    ...Array.from({ length: READ_SECRETS }, (_, i) => ({ key: readKey(i), value: value() })),
    ...Array.from({ length: WRITE_SECRETS }, (_, i) => ({ key: writeKey(i), value: value() })),
  ];
  await coffer.api("POST", `${secretsPath()}/batch`, { secrets, onConflict: "fail" });
  await coffer.api("POST", `/v1/projects/${PROJECT}/connections`, {
    name: "upstream",
    baseUrl: upstreamUrl,
    headers: { authorization: `Bearer $SECRET/${PROXY_SECRET}` },
  });
  const { token } = await coffer.api<{ token: string }>("POST", "/v1/tokens", {
    name: "soak-agent",
    projects: [PROJECT],
    permissions: ["secrets:use"],
  });
  return token;
}

/** One turn of requests, as autocannon sends them; keys are taken in turn across all connections. */
function soakRequests(coffer: CofferInstance, useToken: string): autocannon.Request[] {
  const root = { ...coffer.authHeaders };
  const next = counters();
  const reveal: autocannon.Request = {
    method: "GET",
    headers: root,
    setupRequest: (request) => {
      const n = next.reveal();
      const key = n % 3 === 2 ? writeKey(n % WRITE_SECRETS) : readKey(n % READ_SECRETS);
      return { ...request, path: `${secretsPath()}/${key}/value` };
    },
  };
  const update: autocannon.Request = {
    method: "PATCH",
    headers: { ...root, "content-type": "application/json" },
    setupRequest: (request) => ({
      ...request,
      path: `${secretsPath()}/${writeKey(next.update() % WRITE_SECRETS)}`,
      body: JSON.stringify({ value: randomBytes(24).toString("base64url") }),
    }),
  };
  const proxied: autocannon.Request = {
    method: "GET",
    path: `/v1/proxy/${PROJECT}/${ENVIRONMENT}/upstream/v1/models`,
    headers: { authorization: `Bearer ${useToken}` },
  };
  const listing: autocannon.Request = {
    method: "GET",
    headers: root,
    setupRequest: (request) => {
      const n = next.listing();
      const path =
        n % 2 === 0 ? `${secretsPath()}?limit=100` : `${secretsPath()}/${readKey(n % READ_SECRETS)}`;
      return { ...request, path };
    },
  };
  const byLetter: Record<string, autocannon.Request> = { R: reveal, W: update, P: proxied, L: listing };
  return [...TURN].map((letter) => {
    const request = byLetter[letter];
    if (request === undefined) throw new Error(`unknown request "${letter}" in the soak turn`);
    return request;
  });
}

function counters() {
  let reveals = 0;
  let updates = 0;
  let listings = 0;
  return { reveal: () => reveals++, update: () => updates++, listing: () => listings++ };
}

const secretsPath = () => `/v1/projects/${PROJECT}/environments/${ENVIRONMENT}/secrets`;
const readKey = (i: number) => `SOAK_READ_${String(i).padStart(3, "0")}`;
const writeKey = (i: number) => `SOAK_WRITE_${String(i).padStart(3, "0")}`;

/** Reads the process's resident set size (VmRSS in /proc/<pid>/status) every second, tagged with the phase. */
function startRssSampler(pid: number) {
  const samples: RssSample[] = [];
  const started = performance.now();
  const state = {
    phase: "warm-up" as Phase,
    samples,
    stop: () => clearInterval(timer),
  };
  const sample = async () => {
    const bytes = await readRss(pid);
    if (bytes !== undefined) samples.push({ phase: state.phase, atMs: performance.now() - started, bytes });
  };
  const timer = setInterval(() => void sample(), 1000);
  return state;
}

async function readRss(pid: number): Promise<number | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined; // the process has exited, or there is no /proc (not Linux): reported as missing samples
  }
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

/**
 * Resident memory after the warm-up and at the end, each the mean of a window of samples (a tenth of the run, at
 * least 3 s) so that one garbage collection's saw-tooth does not decide the comparison; and the highest sample.
 */
function memoryRows(samples: RssSample[], durationSeconds: number): BenchRow[] {
  const measured = samples.filter((sample) => sample.phase === "measured");
  const window = Math.max(3, Math.round(durationSeconds / 10));
  if (measured.length < 2 * window) {
    throw new Error(
      `only ${measured.length} memory samples of the Coffer process during the run (need ${2 * window}); /proc/<pid>/status is read, so Linux is required`,
    );
  }
  const mean = (part: RssSample[]) => part.reduce((sum, sample) => sum + sample.bytes, 0) / part.length;
  const afterWarmup = mean(measured.slice(0, window));
  const atEnd = mean(measured.slice(-window));
  const max = Math.max(...samples.map((sample) => sample.bytes));
  return [
    figureRow(`RSS after warm-up (mean of first ${window} s)`, afterWarmup / MIB, "MiB"),
    figureRow(`RSS at end (mean of last ${window} s)`, atEnd / MIB, "MiB"),
    figureRow("RSS growth after warm-up", ((atEnd - afterWarmup) / afterWarmup) * 100, "%", { atMost: 10 }),
    figureRow("RSS max", max / MIB, "MiB"),
  ];
}

function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
