// The ordered list of migrations; a new one is appended, never edited once released.
import type { Migration, MigrationProvider } from "kysely/migration";
import * as initial from "./0001-initial.ts";
import * as audit from "./0002-audit.ts";
import * as identity from "./0003-identity.ts";
import * as connections from "./0004-connections.ts";
import * as vaultCompat from "./0005-vault-compat.ts";
import * as bigintCounters from "./0006-bigint-counters.ts";

const migrations: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-audit": audit,
  "0003-identity": identity,
  "0004-connections": connections,
  "0005-vault-compat": vaultCompat,
  "0006-bigint-counters": bigintCounters,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
