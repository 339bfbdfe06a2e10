// The tables, as Kysely sees them. Times are ISO 8601 text, JSON is text, ciphertexts are base64 text: portable to PostgreSQL.
import type { Insertable, Kysely, Selectable, Transaction } from "kysely";

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

export type Database = {
  instance_meta: InstanceMetaTable;
  projects: ProjectsTable;
  data_keys: DataKeysTable;
  environments: EnvironmentsTable;
  secrets: SecretsTable;
  secret_versions: SecretVersionsTable;
  api_tokens: ApiTokensTable;
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
export type NewSecretRow = Insertable<SecretsTable>;
