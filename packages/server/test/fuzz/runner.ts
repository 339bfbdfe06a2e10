// Runs the generated requests of one operation against the server, a batch at a time (concurrently, like real
// clients), checks every answer, restores the fixture after batches that destroyed part of it, and turns a
// failure into a message with the seed, the fast-check path and the offending request. Raw requests (raw-http.ts)
// go the same way, minus the fixture.
import fc from "fast-check";
import type { FuzzClient, WireRequest, WireResponse } from "./client.ts";
import { describeExchange, violationOf } from "./oracle.ts";
import { type RawRequest, rawViolationOf, sendRaw } from "./raw-http.ts";
import { type FuzzRequest, materialize } from "./requests.ts";
import type { SessionName, World } from "./world.ts";

export type FuzzSettings = {
  seed: number;
  /** Requests per operation. */
  runs: number;
  /** Requests in flight at once. */
  batch: number;
  /** The server's body limit (COFFER_MAX_BODY_BYTES). */
  bodyLimitBytes: number;
  /** A fast-check counterexample path to replay (COFFER_FUZZ_PATH). */
  path: string | undefined;
  shrink: boolean;
  /** What is wrong with the server process, if anything (it exited, it logged errors), for the failure message. */
  serverState: () => Promise<string>;
  /** How to rerun, for the failure message: `(operation) => command`. */
  reproduce: (operation: string, seed: number, path: string) => string;
};

type Outcome = { request: FuzzRequest; wire: WireRequest; response: WireResponse };

class FuzzFinding extends Error {}

const SESSION_OF_AUTH: Partial<Record<FuzzRequest["auth"], SessionName>> = {
  "admin-session": "admin",
  "dev-session": "dev",
  "self-session": "self",
};

/** Requests whose success removes or changes what the fixture relies on (ids, sessions, settings). */
function destroysFixture(outcome: Outcome): boolean {
  const { request, response } = outcome;
  if (response.status < 200 || response.status >= 300) return false;
  // Through the proxy, a method only reaches the upstream.
  if (request.pathTemplate.startsWith("/v1/proxy/")) return false;
  if (request.method === "DELETE" || request.method === "PATCH") return true;
  if (request.operation === "POST /v1/auth/logout" || request.operation === "POST /v1/auth/password")
    return true;
  // Through the Vault API: deleting and destroying versions, and metadata changes.
  return request.pathTemplate.startsWith("/vault/") && request.method !== "GET" && request.method !== "LIST";
}

/**
 * Restoring costs requests (and password hashes, when people were deleted): it runs after a batch that destroyed
 * part of the fixture only every few batches, so that the batches in between meet the damage (a deleted project, an
 * ended session) and each operation still reaches its success paths many times.
 */
const BATCHES_BETWEEN_RESTORES = 8;

type Progress = { batchesSinceRestore: number };

async function afterBatch(world: World, outcomes: Outcome[], progress: Progress): Promise<void> {
  for (const { request, response, wire } of outcomes) {
    const session = SESSION_OF_AUTH[request.auth];
    if (request.operation !== "POST /v1/auth/password" || response.status !== 204 || session === undefined)
      continue;
    world.passwordChanged(session, JSON.parse(String(wire.body)).newPassword);
  }
  if (outcomes.some(destroysFixture)) world.markDamaged();
  progress.batchesSinceRestore++;
  if (world.damaged() && progress.batchesSinceRestore >= BATCHES_BETWEEN_RESTORES) {
    await world.restore();
    progress.batchesSinceRestore = 0;
  }
}

export async function fuzzOperation(
  client: FuzzClient,
  world: World,
  operation: string,
  arbitrary: fc.Arbitrary<FuzzRequest>,
  settings: FuzzSettings,
): Promise<{ requests: number; statuses: Map<number, number> }> {
  if (world.damaged()) await world.restore();
  const progress: Progress = { batchesSinceRestore: 0 };
  const statuses = new Map<number, number>();
  let requests = 0;
  const property = fc.asyncProperty(
    fc.array(arbitrary, { minLength: settings.batch, maxLength: settings.batch }),
    async (batch) => {
      const outcomes = await Promise.all(
        batch.map(async (request): Promise<Outcome> => {
          const wire = materialize(world, request);
          return { request, wire, response: await client.send(wire) };
        }),
      );
      requests += outcomes.length;
      for (const { response } of outcomes)
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      await afterBatch(world, outcomes, progress);
      for (const outcome of outcomes) {
        const problem = violationOf(outcome.wire, outcome.response, settings.bodyLimitBytes);
        if (problem !== undefined) {
          throw new FuzzFinding(
            `${problem}\n${describeExchange(outcome.request, outcome.wire, outcome.response)}`,
          );
        }
      }
    },
  );
  await checkProperty(property, operation, settings, () => requests);
  return { requests, statuses };
}

/** Runs a property with the settings' seed and counts; a failure becomes a message that says how to reproduce it. */
async function checkProperty<T>(
  property: fc.IAsyncProperty<T>,
  operation: string,
  settings: FuzzSettings,
  requests: () => number,
  runs = Math.ceil(settings.runs / settings.batch),
): Promise<void> {
  const details = await fc.check(property, {
    seed: settings.seed,
    numRuns: runs,
    endOnFailure: !settings.shrink,
    ...(settings.path === undefined ? {} : { path: settings.path }),
  });
  if (!details.failed) return;
  const error = details.errorInstance;
  const finding = error instanceof FuzzFinding ? error.message : String((error as Error)?.stack ?? error);
  const path = details.counterexamplePath ?? "";
  throw new Error(
    [
      `Fuzzing ${operation} failed (seed ${details.seed}, path ${path}, after ${requests()} requests):`,
      finding,
      await settings.serverState(),
      `Reproduce: ${settings.reproduce(operation, details.seed, path)}`,
      "(The seed alone regenerates the same requests; the path replays the failing batch first. Run alone, the",
      "operation meets a fixture that earlier operations have not touched, which can hide a state-dependent bug.)",
    ]
      .filter((line) => line !== "")
      .join("\n"),
  );
}

/** Raw requests (see raw-http.ts), `runs` of them, a batch at a time on connections of their own. */
export async function fuzzRawHttp(
  url: string,
  label: string,
  arbitrary: fc.Arbitrary<RawRequest>,
  runs: number,
  settings: FuzzSettings,
): Promise<void> {
  let requests = 0;
  const property = fc.asyncProperty(
    fc.array(arbitrary, { minLength: settings.batch, maxLength: settings.batch }),
    async (batch) => {
      const responses = await Promise.all(batch.map((request) => sendRaw(url, request)));
      requests += batch.length;
      batch.forEach((request, index) => {
        const response = responses[index]!;
        const problem = rawViolationOf(request, response);
        if (problem === undefined) return;
        const bytes = request.bytes.toString("latin1");
        const answer = "error" in response ? response.error : `${response.head}\r\n\r\n${response.body}`;
        throw new FuzzFinding(
          `${problem}\n  request:  ${JSON.stringify(bytes.slice(0, 600))}\n  response: ${JSON.stringify(answer.slice(0, 600))}`,
        );
      });
    },
  );
  await checkProperty(property, label, settings, () => requests, Math.ceil(runs / settings.batch));
}
