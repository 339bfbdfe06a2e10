// Lets a node:http server receive Vault's LIST method: each connection's bytes pass through the LIST rewriter first.
//
// Node's HTTP server normally hands a TCP socket straight to its native parser. A 'data' listener on the socket makes it
// read through the socket's stream instead, where every chunk passes through `push`: the shim rewrites the chunks
// there. The server keeps the real socket, so writes, timeouts, keep-alive and connection tracking are untouched.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { Server as TlsServer } from "node:tls";
import { createListRequestRewriter } from "./list-request-rewriter.ts";

/**
 * The header the rewriter adds to a request that arrived as LIST. Its name is random per process, so a client
 * cannot send it itself: only a real LIST request carries it.
 */
export const LIST_MARKER_HEADER = `x-coffer-list-${randomBytes(6).toString("hex")}`;

function ignore(): void {}

/**
 * Puts the LIST rewriter in front of every connection the server accepts from now on. Install it before the server
 * listens; handlers recognise a LIST request by the LIST_MARKER_HEADER header.
 */
export function installListMethodShim(server: Server): void {
  // On HTTPS the HTTP parser reads the decrypted stream, which the TLS server hands over as "secureConnection".
  const event = server instanceof TlsServer ? "secureConnection" : "connection";
  // Runs after the HTTP server's own listener, which has set up its parser for the socket.
  server.on(event, (socket: Socket) => {
    const rewriter = createListRequestRewriter(LIST_MARKER_HEADER);
    const push = socket.push;
    socket.push = function pushRewritten(chunk: unknown, encoding?: BufferEncoding): boolean {
      if (!Buffer.isBuffer(chunk)) return push.call(this, chunk, encoding);
      let more = true;
      for (const part of rewriter.push(chunk)) more = push.call(this, part) && more;
      return more;
    };
    // Detaches the native parser: from now on the server parses what `push` delivers.
    socket.on("data", ignore);
  });
}
