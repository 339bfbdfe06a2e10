// `coffer serve`: turns flags and environment into a running server, with the development conveniences of --dev.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { generateMasterKey, type MasterKeyInput, parseMasterKey } from "./crypto/master-key.ts";
import { WrongMasterKeyError } from "./keys/keys-service.ts";
import { createServer } from "./main.ts";

type Env = Record<string, string | undefined>;
type Output = { write(text: string): unknown };

const DEV_KEY_FILE = "dev-master-key";
const SHUTDOWN_GRACE_MS = 10_000;
const DEV_ADMIN_EMAIL = "admin@coffer.local";

/** The development master key is kept beside the data so that a dev server can be stopped and started again. */
function devMasterKey(config: Config): {
  key: MasterKeyInput;
  text: string;
  file: string;
  generated: boolean;
} {
  const file = join(config.dataDir, DEV_KEY_FILE);
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").trim();
    return { key: parseMasterKey(text), text, file, generated: false };
  }
  if (existsSync(config.databaseFile)) {
    throw new ConfigError(
      `${config.dataDir} holds data but no ${DEV_KEY_FILE}: start it with the COFFER_MASTER_KEY it was created with`,
    );
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const text = generateMasterKey();
  writeFileSync(file, `${text}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { key: parseMasterKey(text), text, file, generated: true };
}

export async function serve(
  argv: string[],
  env: Env,
  out: Output = process.stdout,
): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig(argv, env);
  let masterKey = config.masterKey;
  let devKey: ReturnType<typeof devMasterKey> | undefined;
  if (masterKey === undefined) {
    devKey = devMasterKey(config);
    masterKey = devKey.key;
  }
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer(config, { masterKey });
  } catch (error) {
    if (error instanceof WrongMasterKeyError) throw new ConfigError(error.message);
    throw error;
  }
  try {
    const lines: string[] = [];
    if (config.admin !== undefined && !(await server.users.hasUsers())) {
      await server.users.createFirstAdmin(config.admin, undefined);
      lines.push("", `Created the first administrator ${config.admin.email} (from COFFER_ADMIN_EMAIL).`);
    }
    if (config.dev) {
      const rootToken = await server.tokens.ensureDevRootToken(config.devRootToken);
      const devPassword = await server.users.ensureDevAdmin(DEV_ADMIN_EMAIL);
      lines.push(
        "",
        "Coffer is running in DEVELOPMENT mode: a throwaway setup, never for real secrets.",
        "",
        `  Data:        ${config.databaseFile}`,
        devKey === undefined
          ? "  Master key:  from COFFER_MASTER_KEY / COFFER_MASTER_KEY_FILE"
          : `  Master key:  ${devKey.text}  (${devKey.generated ? "generated, " : ""}kept in ${devKey.file})`,
        `  Root token:  ${rootToken}`,
        `  Sign in:     ${DEV_ADMIN_EMAIL} / ${devPassword}  (a new password on every start)`,
        "",
        "  export COFFER_ADDR=<the address below>",
        `  export COFFER_TOKEN=${rootToken}`,
        "",
      );
    } else if (server.created) {
      const rootToken = await server.tokens.createInitialRootToken();
      lines.push(
        "",
        "A new Coffer instance was initialised. Its initial root token is shown ONCE:",
        "",
        `  Root token:  ${rootToken}`,
        "",
        "Store it safely, use it to create scoped tokens (`coffer tokens create`), then revoke it.",
        "",
      );
    }
    const url = await server.listen();
    if (!config.dev && !(await server.users.hasUsers())) {
      const setup = await server.users.newSetupToken();
      lines.push(
        "",
        "No administrator yet. Create one within 15 minutes at this one-time link:",
        "",
        `  ${url}/setup?token=${setup}`,
        "",
        "(or set COFFER_ADMIN_EMAIL and COFFER_ADMIN_PASSWORD and restart)",
        "",
      );
    }
    out.write(`${lines.join("\n")}${lines.length > 0 ? "\n" : ""}Coffer listening on ${url}\n`);
    const vaultUrl = server.vaultUrl();
    if (vaultUrl !== undefined) out.write(`Vault-compatible API listening on ${vaultUrl} (VAULT_ADDR)\n`);
    const onHangup = () => {
      try {
        server.reloadTls();
        out.write("Reloaded the TLS certificate and key.\n");
      } catch (error) {
        out.write(
          `Could not reload the TLS certificate and key; keeping the old ones: ${(error as Error).message}\n`,
        );
      }
    };
    if (config.tls !== undefined) process.on("SIGHUP", onHangup);
    return {
      url,
      async close() {
        process.off("SIGHUP", onHangup);
        // Graceful: stop accepting, let in-flight requests finish (bounded), flush the audit log, close the database.
        const force = setTimeout(() => server.app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await server.close();
        } finally {
          clearTimeout(force);
        }
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
