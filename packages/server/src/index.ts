// The server package's public surface: what the CLI and the tests use.
export { type Config, ConfigError, loadConfig, SERVE_USAGE } from "./config.ts";
export { generateMasterKey } from "./crypto/master-key.ts";
export { type CofferServer, createServer, type ServerOptions } from "./main.ts";
export { serve } from "./serve.ts";
