// The ordered list of migrations; a new one is appended, never edited once released.
import type { Migration, MigrationProvider } from "kysely/migration";
import * as initial from "./0001-initial.ts";

const migrations: Record<string, Migration> = {
  "0001-initial": initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
