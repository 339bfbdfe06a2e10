// Test support for the leak canary: what every part of the traffic needs — the server, the recording client, the
// canary, the echo upstream, and the callers with narrower rights.
import type { Session, TestServer } from "../helpers.ts";
import type { Upstream } from "../upstreams.ts";
import type { Canary } from "./canary.ts";
import type { Caller, Traffic } from "./traffic.ts";

export const PROJECT = "leak";
export const ENV = "development";
export const SECRETS = `/v1/projects/${PROJECT}/environments/${ENV}/secrets`;
export const ENV_PATH = `/v1/projects/${PROJECT}/environments/${ENV}`;
export const PASSWORD = "correct-horse-battery";

export type World = {
  coffer: TestServer;
  traffic: Traffic;
  canary: Canary;
  echo: Upstream;
  /** Token callers on the project: one that may only list, one that may only use (proxy, HTTP action). */
  listOnly: Caller;
  useOnly: Caller;
  /** A person who owns the project and may also reveal (the UI's user). */
  owner: Session;
  /** A person with the viewer role. */
  viewer: Session;
};

/** A value in a request's path segment: percent-encoded, as a client would send it. */
export const segment = (text: string) => encodeURIComponent(text);
