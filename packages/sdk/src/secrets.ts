// `coffer.secrets`: list, read, write and version the secrets of one project environment.

import { invalidArgument } from "./errors.ts";
import type { Transport } from "./http.ts";
import { followCursor } from "./pagination.ts";
import { type EnvironmentCallOptions, environmentPath, type ScopeDefaults, segment } from "./scope.ts";
import type {
  BatchConflictMode,
  BatchRequest,
  BatchResult,
  BatchSecret,
  CreateSecret,
  ListSecretsQuery,
  Secret,
  SecretAttributes,
  SecretPage,
  SecretValue,
  SecretVersion,
  SecretVersionList,
  UpdateSecret,
  ValuesResponse,
} from "./types.ts";

export interface ListSecretsOptions extends EnvironmentCallOptions {
  prefix?: string;
  search?: string;
  /** Secrets fetched per request, 1–1000; default 1000 (fewest round trips). */
  pageSize?: number;
}

export interface SecretPageOptions extends EnvironmentCallOptions, ListSecretsQuery {}

export interface SecretWriteOptions extends EnvironmentCallOptions, SecretAttributes {}

export interface BatchOptions extends EnvironmentCallOptions {
  /** For keys that already exist; default "fail" (409, nothing written). */
  onConflict?: BatchConflictMode;
  /** Validate and report what would happen, writing nothing. */
  dryRun?: boolean;
}

/** A field name → value map; a plain string is shorthand for `{ value: string }`. */
export type SecretInput = string | Record<string, string>;

/** As SecretInput, where a field set to `null` is removed; `null` alone changes no value. */
export type SecretChange = string | Record<string, string | null> | null;

const DEFAULT_PAGE_SIZE = 1000;

export class SecretsApi {
  readonly #transport: Transport;
  readonly #defaults: ScopeDefaults;

  constructor(transport: Transport, defaults: ScopeDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  /** Every secret's metadata (never a value), following `nextCursor` until the last page. */
  async list(options?: ListSecretsOptions): Promise<Secret[]> {
    const secrets: Secret[] = [];
    for await (const page of this.iterate(options)) secrets.push(...page);
    return secrets;
  }

  /** The secrets page by page, for environments too large to hold in memory at once. */
  async *iterate(options?: ListSecretsOptions): AsyncGenerator<Secret[], void, undefined> {
    const limit = options?.pageSize ?? DEFAULT_PAGE_SIZE;
    for await (const page of followCursor((cursor) => this.page({ ...options, limit, cursor }))) {
      yield page.secrets;
    }
  }

  /** One page of secrets; pass its `nextCursor` as `cursor` to get the next. */
  async page(options?: SecretPageOptions): Promise<SecretPage> {
    return this.#transport.json<SecretPage>({
      method: "GET",
      path: `${environmentPath(this.#defaults, options)}/secrets`,
      query: {
        limit: options?.limit,
        cursor: options?.cursor,
        prefix: options?.prefix,
        search: options?.search,
      },
      signal: options?.signal,
    });
  }

  /** The secret's current fields and their values; needs `secrets:reveal`, and is audited. */
  async get(key: string, options?: EnvironmentCallOptions): Promise<SecretValue> {
    return this.#transport.json<SecretValue>({
      method: "GET",
      path: `${this.#secretPath(key, options)}/value`,
      signal: options?.signal,
    });
  }

  /** The secret's metadata, without its value. */
  async describe(key: string, options?: EnvironmentCallOptions): Promise<Secret> {
    return this.#transport.json<Secret>({
      method: "GET",
      path: this.#secretPath(key, options),
      signal: options?.signal,
    });
  }

  async create(key: string, value: SecretInput, options?: SecretWriteOptions): Promise<Secret> {
    requireKey(key);
    const body: CreateSecret = {
      key,
      ...(typeof value === "string" ? { value } : { fields: value }),
      ...pickAttributes(options),
    };
    return this.#transport.json<Secret>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/secrets`,
      body,
      signal: options?.signal,
    });
  }

  /**
   * Changes the value and/or the attributes. An empty value keeps the current one; a field set to
   * `null` is removed; pass `null` as `change` to update attributes only.
   */
  async update(key: string, change: SecretChange, options?: SecretWriteOptions): Promise<Secret> {
    const body: UpdateSecret = { ...valueChange(change), ...pickAttributes(options) };
    return this.#transport.json<Secret>({
      method: "PATCH",
      path: this.#secretPath(key, options),
      body,
      signal: options?.signal,
    });
  }

  /** Deletes the secret and every one of its versions, permanently. */
  async delete(key: string, options?: EnvironmentCallOptions): Promise<void> {
    await this.#transport.json<void>({
      method: "DELETE",
      path: this.#secretPath(key, options),
      signal: options?.signal,
    });
  }

  /** The secret's versions, newest first (field names only, no values). */
  async versions(key: string, options?: EnvironmentCallOptions): Promise<SecretVersion[]> {
    const response = await this.#transport.json<SecretVersionList>({
      method: "GET",
      path: `${this.#secretPath(key, options)}/versions`,
      signal: options?.signal,
    });
    return response.versions;
  }

  /** The values of one version; needs `secrets:reveal`. */
  async getVersion(key: string, version: number, options?: EnvironmentCallOptions): Promise<SecretValue> {
    return this.#transport.json<SecretValue>({
      method: "GET",
      path: `${this.#secretPath(key, options)}/versions/${versionSegment(version)}/value`,
      signal: options?.signal,
    });
  }

  /** Makes a new version holding the value of `version`. */
  async rollback(key: string, version: number, options?: EnvironmentCallOptions): Promise<Secret> {
    return this.#transport.json<Secret>({
      method: "POST",
      path: `${this.#secretPath(key, options)}/rollback`,
      body: { version },
      signal: options?.signal,
    });
  }

  /** The values of the named secrets, or of every secret in the environment, in one request. */
  async values(keys?: string[], options?: EnvironmentCallOptions): Promise<SecretValue[]> {
    const response = await this.#transport.json<ValuesResponse>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/values`,
      body: keys === undefined ? {} : { keys },
      signal: options?.signal,
    });
    return response.secrets;
  }

  /**
   * Creates many secrets (and with `onConflict: "overwrite"`, replaces existing values) in one request that
   * is all-or-nothing on the server. Keep a batch under the server's body limit (1 MiB by default) and
   * 10,000 items; split larger imports into several batches.
   */
  async batch(secrets: BatchSecret[], options?: BatchOptions): Promise<BatchResult> {
    const body: BatchRequest = { secrets, onConflict: options?.onConflict ?? "fail" };
    if (options?.dryRun !== undefined) body.dryRun = options.dryRun;
    return this.#transport.json<BatchResult>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/secrets/batch`,
      body,
      signal: options?.signal,
    });
  }

  #secretPath(key: string, options: EnvironmentCallOptions | undefined): string {
    const base = environmentPath(this.#defaults, options);
    requireKey(key);
    return `${base}/secrets/${segment(key, "key")}`;
  }
}

function requireKey(key: string): void {
  if (typeof key !== "string" || key === "") throw invalidArgument("key", "Secret key is required");
}

function versionSegment(version: number): string {
  if (!Number.isInteger(version) || version < 1) {
    throw invalidArgument("version", "A version is a whole number from 1");
  }
  return String(version);
}

function valueChange(change: SecretChange): Pick<UpdateSecret, "value" | "fields"> {
  if (change === null) return {};
  return typeof change === "string" ? { value: change } : { fields: change };
}

// Copies only the attributes the API knows: the options object also carries project, environment
// and signal, and the server rejects unknown body fields.
function pickAttributes(options: SecretAttributes | undefined): SecretAttributes {
  const attributes: SecretAttributes = {};
  if (options?.description !== undefined) attributes.description = options.description;
  if (options?.type !== undefined) attributes.type = options.type;
  if (options?.name !== undefined) attributes.name = options.name;
  if (options?.metadata !== undefined) attributes.metadata = options.metadata;
  if (options?.allowedDestinations !== undefined)
    attributes.allowedDestinations = options.allowedDestinations;
  return attributes;
}
