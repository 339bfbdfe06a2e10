// Lets a node:http server receive Vault's LIST method: each connection is read through the LIST rewriter first.
//
// Node hands a TCP socket straight to its native parser, so the bytes can only be changed by giving the HTTP server
// a stream of our own in the socket's place. That stream forwards everything else (writes, timeouts, addresses,
// destruction) to the real socket, so the server, its keep-alive handling and its connection tracking behave as usual.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Duplex } from "node:stream";
import { Server as TlsServer } from "node:tls";
import { createListRequestRewriter, type ListRequestRewriter } from "./list-request-rewriter.ts";

/**
 * The header the rewriter adds to a request that arrived as LIST. Its name is random per process, so a client
 * cannot send it itself: only a real LIST request carries it.
 */
export const LIST_MARKER_HEADER = `x-coffer-list-${randomBytes(6).toString("hex")}`;

class RewrittenSocket extends Duplex {
  readonly #socket: Socket;
  readonly #rewriter: ListRequestRewriter;

  constructor(socket: Socket, rewriter: ListRequestRewriter) {
    // The HTTP server decides when to end its side, as it does with its own sockets.
    super({ allowHalfOpen: true });
    this.#socket = socket;
    this.#rewriter = rewriter;
    socket.on("data", (chunk: Buffer) => {
      let more = true;
      for (const part of this.#rewriter.push(chunk)) more = this.push(part) && more;
      if (!more) socket.pause();
    });
    socket.on("end", () => this.push(null));
    socket.on("timeout", () => this.emit("timeout"));
    socket.on("error", (error) => this.destroy(error));
    socket.on("close", () => this.destroy());
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.#socket.write(chunk, encoding)) done();
    else this.#socket.once("drain", () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#socket.end(() => done());
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#socket.destroy(error ?? undefined);
    done(error);
  }

  get remoteAddress() {
    return this.#socket.remoteAddress;
  }
  get remotePort() {
    return this.#socket.remotePort;
  }
  get remoteFamily() {
    return this.#socket.remoteFamily;
  }
  get localAddress() {
    return this.#socket.localAddress;
  }
  get localPort() {
    return this.#socket.localPort;
  }
  get bytesWritten() {
    return this.#socket.bytesWritten;
  }
  get bytesRead() {
    return this.#socket.bytesRead;
  }
  address(): AddressInfo | object {
    return this.#socket.address();
  }
  setTimeout(ms: number, onTimeout?: () => void): this {
    this.#socket.setTimeout(ms);
    if (onTimeout !== undefined) this.once("timeout", onTimeout);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.#socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.#socket.setKeepAlive(enable, initialDelay);
    return this;
  }
  ref(): this {
    this.#socket.ref();
    return this;
  }
  unref(): this {
    this.#socket.unref();
    return this;
  }
}

/**
 * Puts the LIST rewriter in front of every connection the server accepts from now on. Install it before the server
 * listens; handlers recognise a LIST request by the LIST_MARKER_HEADER header.
 */
export function installListMethodShim(server: Server): void {
  // On HTTPS the HTTP parser reads the decrypted stream, which the TLS server hands over as "secureConnection".
  const event = server instanceof TlsServer ? "secureConnection" : "connection";
  const listeners = server.listeners(event) as ((socket: Duplex) => void)[];
  server.removeAllListeners(event);
  server.on(event, (socket: Socket) => {
    const wrapped = new RewrittenSocket(socket, createListRequestRewriter(LIST_MARKER_HEADER));
    for (const listener of listeners) listener.call(server, wrapped);
  });
}
