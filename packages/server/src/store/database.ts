// The tables, as Kysely sees them. Times are ISO 8601 text, JSON is text, ciphertexts are base64 text: portable to PostgreSQL.
import type { Generated, Insertable, Kysely, Selectable, Transaction } from "kysely";

export type InstanceMetaTable = { name: string; value: string };

export type ProjectsTable = {
  id: string;
  slug: string;
  name: string;
  description: string;
  active_key_version: number;
  created_at: string;
  updated_at: string;
};

export type DataKeysTable = { project_id: string; version: number; wrapped_key: string; created_at: string };

export type EnvironmentsTable = {
  id: string;
  project_id: string;
  slug: string;
  name: string;
  position: number;
  created_at: string;
};

export type SecretsTable = {
  id: string;
  environment_id: string;
  key: string;
  display_name: string | null;
  description: string;
  type: string;
  metadata: string;
  allowed_destinations: string;
  fields: string;
  current_version: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
};

export type SecretVersionsTable = {
  secret_id: string;
  version: number;
  /** JSON object: field name → base64 envelope. */
  ciphertexts: string;
  key_version: number;
  created_at: string;
  created_by: string;
  /** Set by a Vault-API delete (or ahead of time by delete_version_after): the version is unreadable from then on. */
  deletion_time: Generated<string | null>;
  /** 1 once destroyed through the Vault API; its ciphertexts are gone (ciphertexts is "{}"). */
  destroyed: Generated<number>;
  /** JSON array of the fields whose text is the JSON of a non-string value written through the Vault API. */
  json_fields: Generated<string | null>;
};

/** KV metadata of one secret, set through the Vault API; no row means the defaults (all zero). */
export type VaultSecretSettingsTable = {
  secret_id: string;
  max_versions: number;
  cas_required: number;
  /** Milliseconds; 0 = unset. 64-bit: a string when read from PostgreSQL (node-postgres gives int8 as text). */
  delete_version_after_ms: number | string;
};

/** The KV mount configuration of one environment (`{project}/{environment}/config` in the Vault API). */
export type VaultMountSettingsTable = {
  environment_id: string;
  max_versions: number;
  cas_required: number;
  /**
   * Milliseconds; 0 = unset, negative = disabled for every secret of the environment. 64-bit: a string when read
   * from PostgreSQL (node-postgres gives int8 as text).
   */
  delete_version_after_ms: number | string;
};

/** A named upstream of the egress proxy. JSON columns: headers and query (name → template), methods and paths (null = any). */
export type ConnectionsTable = {
  id: string;
  project_id: string;
  name: string;
  description: string;
  preset: string | null;
  base_url: string;
  headers: string;
  query: string;
  methods: string | null;
  paths: string | null;
  timeout_ms: number;
  max_body_bytes: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
};

export type ApiTokensTable = {
  id: string;
  name: string;
  token_hash: string;
  projects: string;
  environments: string | null;
  permissions: string;
  expires_at: string | null;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
};

export type UsersTable = {
  id: string;
  email: string;
  name: string;
  /** JSON: { algorithm, N, r, p, salt, hash } so the parameters can be raised later. */
  password_hash: string;
  instance_admin: number;
  created_at: string;
  updated_at: string;
};

export type SessionsTable = {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  source_ip: string;
  user_agent: string | null;
};

export type ProjectMembersTable = {
  project_id: string;
  user_id: string;
  role: string;
  /** JSON array of permissions granted beyond the role (e.g. secrets:reveal). */
  permissions: string;
  created_at: string;
};

export type AuditEventsTable = {
  /** bigint on PostgreSQL, which returns it as text: audit-repo.ts hands it out as a number. */
  seq: number;
  id: string;
  time: string;
  actor_type: string;
  actor_id: string;
  actor_name: string;
  action: string;
  outcome: string;
  project: string | null;
  environment: string | null;
  secret_key: string | null;
  version: number | null;
  request_id: string | null;
  source_ip: string | null;
  user_agent: string | null;
  /** JSON object of non-secret facts (never a value). */
  details: string;
  prev_hash: string;
  hash: string;
};

/** One row (id = 1): the seq and hash of the last event, read and moved forward by every append. */
export type AuditHeadTable = {
  id: number;
  /** bigint on PostgreSQL, which returns it as text: audit-repo.ts hands it out as a number. */
  seq: number;
  hash: string;
};

export type Database = {
  users: UsersTable;
  sessions: SessionsTable;
  project_members: ProjectMembersTable;
  instance_meta: InstanceMetaTable;
  projects: ProjectsTable;
  data_keys: DataKeysTable;
  environments: EnvironmentsTable;
  secrets: SecretsTable;
  secret_versions: SecretVersionsTable;
  vault_secret_settings: VaultSecretSettingsTable;
  vault_mount_settings: VaultMountSettingsTable;
  connections: ConnectionsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
};

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Repositories take either the database or an open transaction. */
export type Executor = Db | Tx;

export type ProjectRow = Selectable<ProjectsTable>;
export type EnvironmentRow = Selectable<EnvironmentsTable>;
export type SecretRow = Selectable<SecretsTable>;
export type SecretVersionRow = Selectable<SecretVersionsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type ConnectionRow = Selectable<ConnectionsTable>;
export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type MemberRow = Selectable<ProjectMembersTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewSecretRow = Insertable<SecretsTable>;
export type NewSecretVersionRow = Insertable<SecretVersionsTable>;
export type VaultSecretSettingsRow = Selectable<VaultSecretSettingsTable>;
export type VaultMountSettingsRow = Selectable<VaultMountSettingsTable>;
