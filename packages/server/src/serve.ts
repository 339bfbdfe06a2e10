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
    if (config.dev) {
      const rootToken = await server.tokens.ensureDevRootToken(config.devRootToken);
      lines.push(
        "",
        "Coffer is running in DEVELOPMENT mode: a throwaway setup, never for real secrets.",
        "",
        `  Data:        ${config.databaseFile}`,
        devKey === undefined
          ? "  Master key:  from COFFER_MASTER_KEY / COFFER_MASTER_KEY_FILE"
          : `  Master key:  ${devKey.text}  (${devKey.generated ? "generated, " : ""}kept in ${devKey.file})`,
        `  Root token:  ${rootToken}`,
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
    out.write(`${lines.join("\n")}${lines.length > 0 ? "\n" : ""}Coffer listening on ${url}\n`);
    return { url, close: () => server.close() };
  } catch (error) {
    await server.close();
    throw error;
  }
}
