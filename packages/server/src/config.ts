// The only reader of environment variables and `serve` flags: validates them once and returns a Config.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { MasterKeyFormatError, type MasterKeyInput, parseMasterKey } from "./crypto/master-key.ts";
import { DEFAULT_SECRET_LIMITS, type SecretLimits } from "./validation.ts";

export class ConfigError extends Error {}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Config = {
  host: string;
  port: number;
  /** A second listener serving the Vault-compatible API at /v1/… (for clients that cannot add /vault). */
  vaultPort: number | undefined;
  dataDir: string;
  databaseFile: string;
  /** PostgreSQL instead of the embedded SQLite file, for several nodes. */
  database: { url: string; schema: string; poolSize: number } | undefined;
  /** A quota on the embedded database's size (COFFER_STORAGE_MAX_BYTES): writes past it get 507. */
  storageMaxBytes: number | undefined;
  dev: boolean;
  devRootToken: string | undefined;
  /** Absent only in dev mode, where serve generates (and keeps) a development key. */
  masterKey: MasterKeyInput | undefined;
  /** The key a master-key rotation replaces, accepted during the transition window (COFFER_MASTER_KEY_PREVIOUS). */
  masterKeyPrevious: MasterKeyInput | undefined;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  /** HTTPS: certificate and key files (PEM), re-read on SIGHUP. */
  tls: { certFile: string; keyFile: string } | undefined;
  limits: {
    headerBytes: number;
    jsonDepth: number;
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
  } & SecretLimits;
  /** The first administrator, created on a start that finds no users. */
  admin: { email: string; password: string } | undefined;
  session: { idleMs: number; absoluteMs: number };
  /** Benchmarks only (refused outside --dev): measures reveals without the audit log, for comparison. */
  benchDisableAudit: boolean;
  /** Lets the proxy and the HTTP action reach plain http and loopback/private addresses (development, tests). */
  proxyAllowLoopback: boolean;
};

type Env = Record<string, string | undefined>;

const DEFAULT_PORT = 8200;

function isLoopback(host: string): boolean {
  return (
    host === "localhost" ||
    host === "::1" ||
    host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a port number from 0 to 65535, got "${text.slice(0, 20)}"`);
  }
  return port;
}

function parseBoolean(text: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off|)$/i.test(text)) return false;
  throw new ConfigError(`${name} must be true or false, got "${text.slice(0, 20)}"`);
}

function parsePositive(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${max}, got "${text.slice(0, 20)}"`);
  }
  return value;
}

function readDatabase(env: Env): Config["database"] {
  const url = env["COFFER_DATABASE_URL"];
  if (url === undefined || url === "") return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(
      "COFFER_DATABASE_URL must be a postgres://user:password@host:5432/database URL (leave it unset for the embedded database)",
    );
  }
  const schema = env["COFFER_DATABASE_SCHEMA"] || "coffer";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(
      `COFFER_DATABASE_SCHEMA must be a lowercase identifier (letters, digits, _), got "${schema.slice(0, 70)}"`,
    );
  }
  const poolSize = parsePositive(env["COFFER_DATABASE_POOL_SIZE"], "COFFER_DATABASE_POOL_SIZE", 10, 200);
  return { url, schema, poolSize };
}

function readSecretLimits(env: Env, bodyLimitBytes: number): SecretLimits {
  const valueBytes = parsePositive(
    env["COFFER_MAX_VALUE_BYTES"],
    "COFFER_MAX_VALUE_BYTES",
    DEFAULT_SECRET_LIMITS.valueBytes,
    64 * 1024 * 1024,
  );
  if (valueBytes > bodyLimitBytes) {
    throw new ConfigError(
      `COFFER_MAX_VALUE_BYTES (${valueBytes}) is larger than the request body limit COFFER_MAX_BODY_BYTES ` +
        `(${bodyLimitBytes}): no request could carry such a value. Raise COFFER_MAX_BODY_BYTES as well.`,
    );
  }
  return {
    valueBytes,
    fieldsPerSecret: parsePositive(
      env["COFFER_MAX_FIELDS_PER_SECRET"],
      "COFFER_MAX_FIELDS_PER_SECRET",
      DEFAULT_SECRET_LIMITS.fieldsPerSecret,
      10_000,
    ),
    secretsPerEnvironment: parsePositive(
      env["COFFER_MAX_SECRETS_PER_ENVIRONMENT"],
      "COFFER_MAX_SECRETS_PER_ENVIRONMENT",
      DEFAULT_SECRET_LIMITS.secretsPerEnvironment,
      100_000_000,
    ),
  };
}

const BYTE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const MIN_STORAGE_BYTES = 1024 ** 2;

/** A size in bytes, or with a binary unit: 512M, 512MiB and 512MB all mean 512 × 1024² bytes. */
function readStorageMaxBytes(env: Env, database: Config["database"]): number | undefined {
  const text = env["COFFER_STORAGE_MAX_BYTES"]?.trim();
  if (text === undefined || text === "") return undefined;
  if (database !== undefined) {
    throw new ConfigError(
      "COFFER_STORAGE_MAX_BYTES limits the embedded database only: with COFFER_DATABASE_URL, limit the space in " +
        "PostgreSQL (a tablespace on a volume of the size you want) and unset it",
    );
  }
  const match = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(text);
  const bytes = match === null ? Number.NaN : Number(match[1]) * (BYTE_UNITS[match[2]!.toLowerCase()] ?? 1);
  if (!Number.isSafeInteger(bytes) || bytes < MIN_STORAGE_BYTES) {
    throw new ConfigError(
      "COFFER_STORAGE_MAX_BYTES must be a size of at least 1M, in bytes or with a unit (K, M, G, T: powers of " +
        `1024) such as 512M or 2G; got "${text.slice(0, 20)}"`,
    );
  }
  return bytes;
}

function readAdmin(env: Env): Config["admin"] {
  const email = env["COFFER_ADMIN_EMAIL"];
  const password = env["COFFER_ADMIN_PASSWORD"];
  if ((email === undefined || email === "") && (password === undefined || password === "")) return undefined;
  if (email === undefined || email === "" || password === undefined || password === "") {
    throw new ConfigError("Set both COFFER_ADMIN_EMAIL and COFFER_ADMIN_PASSWORD, or neither");
  }
  if (password.length < 12) throw new ConfigError("COFFER_ADMIN_PASSWORD must be at least 12 characters");
  return { email, password };
}

/** A master key from `NAME` or `NAME_FILE` (never both). */
export function readMasterKey(env: Env, name = "COFFER_MASTER_KEY"): MasterKeyInput | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  if (inline !== undefined && inline !== "" && file !== undefined && file !== "") {
    throw new ConfigError(`Set only one of ${name} and ${name}_FILE`);
  }
  let text: string | undefined;
  let source = name;
  if (file !== undefined && file !== "") {
    source = `${name}_FILE`;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(
        `${source}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  } else if (inline !== undefined && inline !== "") {
    text = inline;
  }
  if (text === undefined) return undefined;
  try {
    return parseMasterKey(text);
  } catch (error) {
    if (error instanceof MasterKeyFormatError) throw new ConfigError(`${source}: ${error.message}`);
    throw error;
  }
}

export const SERVE_USAGE = `Usage: coffer serve [--dev] [--host HOST] [--port PORT] [--vault-port PORT] [--data-dir DIR] [--dev-root-token TOKEN] [--log-level LEVEL]

  --dev               development mode: generates (and keeps) a master key in the data directory and prints
                      an admin token. Never for production.
  --host HOST         address to listen on (COFFER_HOST, default 127.0.0.1)
  --port PORT         port (COFFER_PORT, default ${DEFAULT_PORT}; 0 picks a free one)
  --vault-port PORT   also serve the Vault KV v2-compatible API at /v1/ on this port (COFFER_VAULT_PORT; it is
                      always at /vault/v1/ on the main port)
  --data-dir DIR      where the embedded database lives (COFFER_DATA_DIR, default ./coffer-data)
  --dev-root-token T  fixes the development admin token's value (COFFER_DEV_ROOT_TOKEN)
  --tls-cert FILE     HTTPS certificate (PEM; COFFER_TLS_CERT); re-read on SIGHUP
  --tls-key FILE      HTTPS private key (PEM; COFFER_TLS_KEY)
  --insecure-http     allow plain HTTP on a non-loopback address (COFFER_INSECURE_HTTP)
  --log-level LEVEL   ${LOG_LEVELS.join(", ")} (COFFER_LOG_LEVEL, default info)

The master key comes from COFFER_MASTER_KEY or COFFER_MASTER_KEY_FILE (make one with \`coffer keygen\`).
The first administrator comes from COFFER_ADMIN_EMAIL and COFFER_ADMIN_PASSWORD; without them a new instance
prints a one-time setup link. Sessions: COFFER_SESSION_IDLE_MINUTES (60), COFFER_SESSION_MAX_HOURS (12).
COFFER_PROXY_ALLOW_LOOPBACK=1 lets the proxy reach plain http and loopback/private addresses (development only).`;

export function loadConfig(argv: string[], env: Env, cwd = process.cwd()): Config {
  let flags: ReturnType<typeof parseServeFlags>;
  try {
    flags = parseServeFlags(argv);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${SERVE_USAGE}`);
  }
  const dev = flags.dev === true || parseBoolean(env["COFFER_DEV"] ?? "", "COFFER_DEV");
  const portText = flags.port ?? env["COFFER_PORT"];
  const port =
    portText === undefined ? DEFAULT_PORT : parsePort(portText, flags.port ? "--port" : "COFFER_PORT");
  const vaultPortText = flags["vault-port"] ?? env["COFFER_VAULT_PORT"];
  const vaultPort =
    vaultPortText === undefined || vaultPortText === ""
      ? undefined
      : parsePort(vaultPortText, flags["vault-port"] ? "--vault-port" : "COFFER_VAULT_PORT");
  if (vaultPort !== undefined && vaultPort !== 0 && vaultPort === port) {
    throw new ConfigError("--vault-port/COFFER_VAULT_PORT must differ from the main port");
  }
  const host = flags.host ?? env["COFFER_HOST"] ?? "127.0.0.1";
  if (host.trim() === "") throw new ConfigError("--host/COFFER_HOST must not be empty");
  const dataDir = resolve(cwd, flags["data-dir"] ?? env["COFFER_DATA_DIR"] ?? "coffer-data");
  const database = readDatabase(env);
  const logLevel = (flags["log-level"] ?? env["COFFER_LOG_LEVEL"] ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `COFFER_LOG_LEVEL/--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`,
    );
  }
  const devRootToken = flags["dev-root-token"] ?? env["COFFER_DEV_ROOT_TOKEN"];
  if (devRootToken !== undefined) {
    if (!dev) throw new ConfigError("--dev-root-token/COFFER_DEV_ROOT_TOKEN only applies with --dev");
    if (!/^[\x21-\x7e]{16,256}$/.test(devRootToken)) {
      throw new ConfigError("--dev-root-token must be 16 to 256 printable characters without spaces");
    }
  }
  const masterKey = readMasterKey(env);
  if (masterKey === undefined && !dev) {
    throw new ConfigError(
      "No master key. Make one with `coffer keygen` and pass it as COFFER_MASTER_KEY (or put it in a file and set " +
        "COFFER_MASTER_KEY_FILE); keep it safe: without it the data cannot be decrypted. For a throwaway local " +
        "server use `coffer serve --dev`.",
    );
  }
  const certFile = flags["tls-cert"] ?? env["COFFER_TLS_CERT"];
  const keyFile = flags["tls-key"] ?? env["COFFER_TLS_KEY"];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError("Give both --tls-cert and --tls-key (COFFER_TLS_CERT, COFFER_TLS_KEY), or neither");
  }
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
  const insecureHttp =
    flags["insecure-http"] === true ||
    parseBoolean(env["COFFER_INSECURE_HTTP"] ?? "", "COFFER_INSECURE_HTTP");
  if (tls === undefined && !insecureHttp && !isLoopback(host)) {
    throw new ConfigError(
      `Refusing to serve plain HTTP on ${host}: tokens and secret values would cross the network unencrypted. ` +
        "Give --tls-cert and --tls-key, bind to 127.0.0.1 behind a TLS-terminating proxy, or pass --insecure-http " +
        "if something else encrypts the traffic.",
    );
  }
  const benchDisableAudit = parseBoolean(
    env["COFFER_BENCH_DISABLE_AUDIT"] ?? "",
    "COFFER_BENCH_DISABLE_AUDIT",
  );
  if (benchDisableAudit && !dev) {
    throw new ConfigError("COFFER_BENCH_DISABLE_AUDIT is for benchmarks only and needs --dev");
  }
  const bodyLimitBytes = parsePositive(
    env["COFFER_MAX_BODY_BYTES"],
    "COFFER_MAX_BODY_BYTES",
    1024 * 1024,
    64 * 1024 * 1024,
  );
  return {
    host,
    port,
    vaultPort,
    dataDir,
    databaseFile: resolve(dataDir, "coffer.db"),
    database,
    storageMaxBytes: readStorageMaxBytes(env, database),
    dev,
    devRootToken,
    masterKey,
    masterKeyPrevious: readMasterKey(env, "COFFER_MASTER_KEY_PREVIOUS"),
    logLevel,
    bodyLimitBytes,
    tls,
    limits: {
      headerBytes: parsePositive(
        env["COFFER_MAX_HEADER_BYTES"],
        "COFFER_MAX_HEADER_BYTES",
        16 * 1024,
        1024 * 1024,
      ),
      jsonDepth: parsePositive(env["COFFER_MAX_JSON_DEPTH"], "COFFER_MAX_JSON_DEPTH", 32, 1000),
      requestTimeoutMs: parsePositive(
        env["COFFER_REQUEST_TIMEOUT_MS"],
        "COFFER_REQUEST_TIMEOUT_MS",
        30_000,
        3_600_000,
      ),
      headersTimeoutMs: parsePositive(
        env["COFFER_HEADERS_TIMEOUT_MS"],
        "COFFER_HEADERS_TIMEOUT_MS",
        10_000,
        600_000,
      ),
      keepAliveTimeoutMs: parsePositive(
        env["COFFER_KEEPALIVE_TIMEOUT_MS"],
        "COFFER_KEEPALIVE_TIMEOUT_MS",
        5_000,
        600_000,
      ),
      maxConnections: parsePositive(env["COFFER_MAX_CONNECTIONS"], "COFFER_MAX_CONNECTIONS", 4096, 1_000_000),
      ...readSecretLimits(env, bodyLimitBytes),
    },
    admin: readAdmin(env),
    session: {
      idleMs:
        parsePositive(env["COFFER_SESSION_IDLE_MINUTES"], "COFFER_SESSION_IDLE_MINUTES", 60, 7 * 24 * 60) *
        60_000,
      absoluteMs:
        parsePositive(env["COFFER_SESSION_MAX_HOURS"], "COFFER_SESSION_MAX_HOURS", 12, 24 * 90) * 3_600_000,
    },
    benchDisableAudit,
    proxyAllowLoopback: parseBoolean(env["COFFER_PROXY_ALLOW_LOOPBACK"] ?? "", "COFFER_PROXY_ALLOW_LOOPBACK"),
  };
}

/** What the operator commands (backup, restore, key rotation) need: where the data is, and the keys. */
export function loadStoreConfig(dataDirFlag: string | undefined, env: Env, cwd = process.cwd()) {
  const dataDir = resolve(cwd, dataDirFlag ?? env["COFFER_DATA_DIR"] ?? "coffer-data");
  return {
    dataDir,
    databaseFile: resolve(dataDir, "coffer.db"),
    database: readDatabase(env),
    masterKey: readMasterKey(env),
    masterKeyPrevious: readMasterKey(env, "COFFER_MASTER_KEY_PREVIOUS"),
  };
}

function parseServeFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      dev: { type: "boolean" },
      host: { type: "string" },
      port: { type: "string" },
      "vault-port": { type: "string" },
      "data-dir": { type: "string" },
      "dev-root-token": { type: "string" },
      "log-level": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "insecure-http": { type: "boolean" },
    },
  }).values;
}
