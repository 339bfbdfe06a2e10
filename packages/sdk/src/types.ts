// The shapes that travel over Coffer's REST API (docs/api.md), written once for every SDK method.

/** A permission a token can hold; `admin` implies all the others within the token's projects. */
export type Permission =
  | "secrets:list"
  | "secrets:create"
  | "secrets:update"
  | "secrets:delete"
  | "secrets:use"
  | "secrets:reveal"
  | "connections:manage"
  | "audit:read"
  | "members:manage"
  | "tokens:manage"
  | "admin";

/** Who made a change: an API token, or a person signed in to the web UI. */
export interface Actor {
  type: "token" | "user";
  id: string;
  name: string;
}

/** The body of every error response: `{ error: { code, message, details } }`. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
  };
}

// Projects

export interface Project {
  id: string;
  slug: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreateProject {
  slug: string;
  name?: string;
  description?: string;
  /** Defaults to `development`, `staging`, `production`. */
  environments?: string[];
}

export interface UpdateProject {
  name?: string;
  description?: string;
}

export interface ProjectList {
  projects: Project[];
}

// Environments

export interface Environment {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface CreateEnvironment {
  slug: string;
  name?: string;
}

export interface EnvironmentList {
  environments: Environment[];
}

// Secrets

/** A secret's metadata. No management response ever contains a value. */
export interface Secret {
  key: string;
  name: string | null;
  description: string;
  type: string;
  metadata: Record<string, string>;
  /** The names of the secret's fields; a single-value secret has the field `value`. */
  fields: string[];
  allowedDestinations: string[];
  version: number;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
}

/** The attributes of a secret besides its key and value, as sent on create and update. */
export interface SecretAttributes {
  description?: string;
  type?: string;
  name?: string;
  metadata?: Record<string, string>;
  allowedDestinations?: string[];
}

/** `value` is shorthand for `fields: { value }`. */
export interface CreateSecret extends SecretAttributes {
  key: string;
  value?: string;
  fields?: Record<string, string>;
}

/**
 * An empty `value` (or an empty string for a field) keeps the current value; a field set to `null`
 * is removed; fields not named are kept.
 */
export interface UpdateSecret extends SecretAttributes {
  value?: string;
  fields?: Record<string, string | null>;
}

export interface SecretPage {
  secrets: Secret[];
  /** Opaque; pass it back as `cursor` for the next page. `null` on the last page. */
  nextCursor: string | null;
}

export interface ListSecretsQuery {
  /** 1–1000, default 100. */
  limit?: number;
  cursor?: string;
  /** Matches whole key segments: `payments` matches `payments/db`, not `paymentsX`. */
  prefix?: string;
  /** Case-insensitive substring of the key or the description. */
  search?: string;
}

/** A secret's plaintext fields. Only a caller holding `secrets:reveal` receives one. */
export interface SecretValue {
  key: string;
  version: number;
  data: Record<string, string>;
}

export interface SecretVersion {
  version: number;
  createdAt: string;
  createdBy: Actor;
  fields: string[];
}

export interface SecretVersionList {
  versions: SecretVersion[];
}

export interface RollbackSecret {
  version: number;
}

export interface ValuesRequest {
  keys?: string[];
}

export interface ValuesResponse {
  secrets: SecretValue[];
}

// API tokens

export interface Token {
  id: string;
  name: string;
  /** Project slugs, or `["*"]` for every project including future ones. */
  projects: string[];
  /** Environment slugs; `null` means all. */
  environments: string[] | null;
  permissions: Permission[];
  expiresAt: string | null;
  createdAt: string;
  createdBy: Actor;
  lastUsedAt: string | null;
}

export interface CreateToken {
  name: string;
  projects: string[];
  environments?: string[];
  permissions: Permission[];
  expiresAt?: string;
}

/** Returned once, at creation: `token` is the secret (`coffer_…`) and is never shown again. */
export interface CreatedToken extends Token {
  token: string;
}

export interface TokenList {
  tokens: Token[];
}

// Health

export interface Health {
  status: "ok";
}

// References (issue 5: `POST …/resolve` and `POST …/references/check`)

/** Any JSON value: a template is a string or a JSON document containing references. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ResolveRequest {
  template: JsonValue;
}

export interface ReferenceCheckRequest {
  template: JsonValue;
}

/** One reference found in a template (`$SECRET/NAME.field` or `{{ secrets.NAME.field }}`). */
export interface ReferenceStatus {
  /** The reference as written in the template. */
  reference: string;
  key: string;
  field: string | null;
  exists: boolean;
}

export interface ReferenceCheck {
  references: ReferenceStatus[];
}
