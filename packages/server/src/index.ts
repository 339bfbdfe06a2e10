// The server package's public surface: what the CLI and the tests use.
export { type Config, ConfigError, loadConfig, SERVE_USAGE } from "./config.ts";
export { generateMasterKey } from "./crypto/master-key.ts";
export { type CofferServer, createServer, type ServerOptions } from "./main.ts";
export {
  BACKUP_USAGE,
  backupCommand,
  OperatorUsageError,
  RESTORE_USAGE,
  ROTATE_MASTER_USAGE,
  restoreCommand,
  rotateMasterCommand,
} from "./operator.ts";
export { serve } from "./serve.ts";
