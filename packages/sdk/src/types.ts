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

/** One secret of a batch import: `value` is shorthand for `fields: { value }`. */
export interface BatchSecret {
  key: string;
  value?: string;
  fields?: Record<string, string>;
  description?: string;
  type?: string;
  metadata?: Record<string, string>;
}

/** What to do with a key that already exists: leave it, write a new version, or refuse the batch (409). */
export type BatchConflictMode = "skip" | "overwrite" | "fail";

export interface BatchRequest {
  secrets: BatchSecret[];
  onConflict: BatchConflictMode;
  dryRun?: boolean;
}

/** The keys of a batch by what happened to them (or would have, on a dry run). */
export interface BatchResult {
  created: string[];
  updated: string[];
  skipped: string[];
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

/** The answer of `POST …/resolve`: the template's shape with every reference replaced by its value. */
export interface ResolveResponse {
  resolved: JsonValue;
}

export interface ReferenceCheckRequest {
  template: JsonValue;
}

/** Where a reference sits: the JSON path of its string (empty for a string template), then line and column. */
export interface ReferenceLocation {
  path: (string | number)[];
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units as editors count. */
  column: number;
  /** From the start of the string, in UTF-16 code units. */
  offset: number;
}

/** One reference found in a template (`$SECRET/NAME.field` or `{{ secrets.NAME.field }}`). */
export interface ReferenceStatus {
  /** The reference as written in the template. */
  reference: string;
  key: string;
  /** The field looked up: `value` when the reference names none. */
  field: string;
  syntax: "dollar" | "braces";
  location: ReferenceLocation;
  exists: boolean;
  problem: "secret_not_found" | "field_not_found" | null;
}

export interface ReferenceCheck {
  /** True when every reference exists. */
  ok: boolean;
  references: ReferenceStatus[];
}

// Connections and egress (issue 5)

/** The methods a connection can allow and the HTTP action can send. */
export type ProxyMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** Defaults for a known API: `openai`, `anthropic`, or `openai-compatible` (with your own `baseUrl`). */
export type ConnectionPreset = "openai" | "anthropic" | "openai-compatible";

/** A named upstream of the egress proxy. It holds references, never values. */
export interface Connection {
  name: string;
  description: string;
  preset: string | null;
  /** `https://host[:port][/path]`, without a trailing slash. */
  baseUrl: string;
  /** Header name (lowercase) → template, resolved at every proxied request. */
  headers: Record<string, string>;
  /** Query parameter → template, added to every proxied request. */
  query: Record<string, string>;
  /** `null`: every method. */
  methods: ProxyMethod[] | null;
  /** Path globs below the base URL (`/v1/**`, `/v1/models/*`); `null`: every path. */
  paths: string[] | null;
  /** Longest wait for the answer's headers and between two of its chunks. */
  timeoutMs: number;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  /** The secret keys its templates reference. */
  references: string[];
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
}

/** The settings of a connection; on update, only the ones given change (`null` allows every method/path). */
export interface ConnectionSettings {
  description?: string;
  baseUrl?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  methods?: ProxyMethod[] | null;
  paths?: string[] | null;
  timeoutMs?: number;
  maxBodyBytes?: number;
}

/**
 * `{ name, preset: "openai", secret: "OPENAI_API_KEY" }` is enough for a preset; explicit settings override
 * the preset's.
 */
export interface CreateConnection extends ConnectionSettings {
  name: string;
  preset?: ConnectionPreset;
  /** With a preset: the key of the secret holding the API key. */
  secret?: string;
}

export type UpdateConnection = ConnectionSettings;

export interface ConnectionList {
  connections: Connection[];
}

/**
 * An HTTP request whose URL path and query, headers or body hold references. It is sent only to a
 * destination that every referenced secret allows.
 */
export interface HttpActionRequest {
  method: ProxyMethod;
  /** An https URL; references may appear in its path and query, never in its host. */
  url: string;
  headers?: Record<string, string>;
  /** Appended to the URL's query. */
  query?: Record<string, string>;
  /** A string is sent as is; any other JSON value is sent as `application/json`. */
  body?: JsonValue;
  timeoutMs?: number;
}

/** The upstream's answer, with every value the request used replaced by `[REDACTED:NAME]`. */
export interface HttpActionResult {
  /** The upstream's status; a redirect is returned here, never followed. */
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** `base64` when the body is not UTF-8 text. */
  bodyEncoding: "utf8" | "base64";
}

// People and sessions (issue 3)

/** A person who signs in with an email and a password. */
export interface User {
  id: string;
  email: string;
  name: string;
  /** May manage users and verify the audit log. */
  instanceAdmin: boolean;
  createdAt: string;
}

export interface UserList {
  users: User[];
}

export interface CreateUser {
  email: string;
  /** At least 12 characters. */
  password: string;
  name?: string;
  instanceAdmin?: boolean;
}

export interface Credentials {
  email: string;
  password: string;
}

/** The answer to a sign-in; the session itself travels in an HttpOnly cookie the SDK never sees. */
export interface Session {
  user: User;
  /** Send it as `X-CSRF-Token` on every state-changing request: `coffer.setCsrfToken(session.csrfToken)`. */
  csrfToken: string;
  expiresAt: string;
}

/** Who the server takes the caller to be: a person (session cookie) or a program (API token). */
export interface Me {
  kind: "user" | "token";
  actor: Actor;
  /** The signed-in person; `null` for a token. */
  user: User | null;
  /** The session's CSRF token, to pick up a session after a page reload; `null` for a token. */
  csrfToken: string | null;
  /** An API token's scope; `null` for a person. */
  token: TokenScope | null;
}

export interface TokenScope {
  /** The ids of the projects the token may see, or `"*"` for all. */
  projects: "*" | string[];
  /** Environment slugs the token may see; `null` for all. */
  environments: string[] | null;
  permissions: string[];
}

/** The first administrator of a new instance, created with the one-time token of the setup link. */
export interface SetupRequest {
  /** The `token` of the `/setup?token=…` link `coffer serve` printed. */
  token: string;
  email: string;
  /** At least 12 characters. */
  password: string;
  name?: string;
}

export interface ChangePassword {
  currentPassword: string;
  newPassword: string;
}

// Members

/** A person's role in a project; `secrets:reveal` is in none of them and is granted on its own. */
export type Role = "owner" | "admin" | "developer" | "viewer";

/** A person's membership of a project. */
export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  /** Permissions granted beyond the role, e.g. `secrets:reveal`. */
  permissions: Permission[];
  createdAt: string;
}

export interface MemberList {
  members: Member[];
}

export interface AddMember {
  /** The email of an existing user. */
  email: string;
  role: Role;
  permissions?: Permission[];
}

/** Named fields are changed; `permissions` replaces the member's extra permissions. */
export interface UpdateMember {
  role?: Role;
  permissions?: Permission[];
}

// Audit

export type AuditOutcome = "success" | "denied" | "error";

/** Who did it: a token or a person, the server itself, or an unauthenticated caller. */
export interface AuditActor {
  type: "token" | "user" | "system" | "anonymous";
  id: string;
  name: string;
}

/** One event of the hash-chained audit log. Never contains a secret value. */
export interface AuditEvent {
  /** The position in the chain, from 1, without gaps. */
  seq: number;
  id: string;
  time: string;
  actor: AuditActor;
  /** e.g. `secret.reveal`, `auth.login`, `member.add`, `token.revoke`. */
  action: string;
  outcome: AuditOutcome;
  project: string | null;
  environment: string | null;
  key: string | null;
  version: number | null;
  requestId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  /** Non-secret facts about the action. */
  details: Record<string, string | number | boolean | null>;
  /** HMAC-SHA256 of the event's canonical form, keyed by the instance. */
  hash: string;
  /** The previous event's hash. */
  prevHash: string;
}

/** The filters of `GET /v1/audit`; every one narrows the result. */
export interface AuditFilter {
  /** Project slug. */
  project?: string;
  /** Environment slug. */
  environment?: string;
  /** Secret key. */
  key?: string;
  /** An actor's id or name. */
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  /** Events at or after this time (ISO 8601 date-time). */
  since?: string;
  /** Events before this time (ISO 8601 date-time). */
  until?: string;
}

export interface AuditQuery extends AuditFilter {
  /** 1–1000, default 100. */
  limit?: number;
  cursor?: string;
}

export interface AuditPage {
  /** Newest first. */
  events: AuditEvent[];
  /** Opaque; pass it back as `cursor` for the next (older) page. `null` on the last page. */
  nextCursor: string | null;
}

/** The result of walking the whole chain; `brokenAt` names the first broken link. */
export type AuditVerification =
  | { ok: true; checked: number }
  | {
      ok: false;
      checked: number;
      brokenAt: {
        seq: number;
        /** `null` when the event itself is gone (removed from the end). */
        id: string | null;
        /** e.g. "event was altered", "an event before it was removed", "events were reordered". */
        reason: string;
      };
    };

// Key management (issue 6)

/** One data key version of a project, and how many stored values it still protects. */
export interface KeyVersionStatus {
  version: number;
  /** The version new values are sealed with. */
  active: boolean;
  values: number;
}

export interface ProjectKeyStatus {
  project: string;
  activeVersion: number;
  /** Oldest first; versions nothing uses any more are deleted once a rotation finishes. */
  versions: KeyVersionStatus[];
}

/** The answer of `GET /v1/keys/status` (instance admins). */
export interface KeysStatus {
  projects: ProjectKeyStatus[];
  /**
   * The background re-encryption: `remaining` counts the values still sealed with an older version than
   * their project's active one; `running` says whether this server is working on them now.
   */
  rotation: { running: boolean; remaining: number };
}

export interface RotateDataKeys {
  /** Omit for every project. */
  project?: string;
}

/** The answer of `POST /v1/keys/rotate-data` (202): the projects that got a new data key version. */
export interface DataKeyRotationStarted {
  projects: string[];
}
