// Per-call options, and the project/environment a call applies to (the call's own, else the client's).

import { invalidArgument } from "./errors.ts";

export interface CallOptions {
  /** Aborts the call (combined with the client's `timeoutMs`). */
  signal?: AbortSignal;
}

export interface ProjectCallOptions extends CallOptions {
  /** Overrides the client's default project for this call. */
  project?: string;
}

export interface EnvironmentCallOptions extends ProjectCallOptions {
  /** Overrides the client's default environment for this call. */
  environment?: string;
}

export interface ScopeDefaults {
  project: string | undefined;
  environment: string | undefined;
}

/** `/v1/projects/{project}`, for the call's project or the client's default one. */
export function projectPath(defaults: ScopeDefaults, options: ProjectCallOptions | undefined): string {
  return `/v1/projects/${projectSegment(defaults, options)}`;
}

/** `/v1/projects/{project}/environments/{environment}`, from the call's options or the client's defaults. */
export function environmentPath(
  defaults: ScopeDefaults,
  options: EnvironmentCallOptions | undefined,
): string {
  const { project, environment } = scopeSegments(defaults, options);
  return `/v1/projects/${project}/environments/${environment}`;
}

/** The project and environment of a call, each encoded as a path segment. */
export function scopeSegments(
  defaults: ScopeDefaults,
  options: EnvironmentCallOptions | undefined,
): { project: string; environment: string } {
  const project = projectSegment(defaults, options);
  const environment = options?.environment ?? defaults.environment;
  if (environment === undefined) {
    throw invalidArgument(
      "environment",
      "No environment given: pass { environment } to this call or to new Coffer({ environment })",
    );
  }
  return { project, environment: segment(environment, "environment") };
}

function projectSegment(defaults: ScopeDefaults, options: ProjectCallOptions | undefined): string {
  const project = options?.project ?? defaults.project;
  if (project === undefined) {
    throw invalidArgument(
      "project",
      "No project given: pass { project } to this call or to new Coffer({ project })",
    );
  }
  return segment(project, "project");
}

/**
 * One path segment: percent-encoded, so a key like `payments/db` travels as `payments%2Fdb`.
 * Empty and dot segments are refused: URL parsing would drop them or climb to another endpoint.
 */
export function segment(value: string, field: string): string {
  if (typeof value !== "string" || value === "") {
    throw invalidArgument(field, `The ${field} is required`);
  }
  const encoded = encodeURIComponent(value);
  if (encoded === "." || encoded === "..") {
    throw invalidArgument(field, `The ${field} cannot be "${value}"`);
  }
  return encoded;
}
