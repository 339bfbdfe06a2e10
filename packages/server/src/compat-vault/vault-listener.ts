// The optional second listener (--vault-port): the Vault API at /v1/… for clients that cannot add a path prefix.
// It hands every request to the main app's router under /vault, so both listeners run the same code.
import { createServer } from "node:http";
import type { App } from "../http/app-type.ts";
import { installListMethodShim } from "./list-method-shim.ts";
import { VAULT_PREFIX } from "./vault-routes.ts";

export type VaultListener = {
  /** Starts listening; resolves with the listener's base address (what VAULT_ADDR should be). */
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
};

export function createVaultListener(app: App): VaultListener {
  const server = createServer((request, response) => {
    request.url = VAULT_PREFIX + (request.url ?? "/");
    app.routing(request, response);
  });
  // The same connection limits as the main listener.
  server.keepAliveTimeout = app.server.keepAliveTimeout;
  server.requestTimeout = app.server.requestTimeout;
  server.headersTimeout = app.server.headersTimeout;
  installListMethodShim(server);

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address();
          const bound = typeof address === "object" && address !== null ? address.port : port;
          resolve(`http://${host.includes(":") ? `[${host}]` : host}:${bound}`);
        });
      });
    },
    close() {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
      });
    },
  };
}
