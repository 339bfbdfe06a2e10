// A bare relay: each request is forwarded to the upstream given as the first argument (undici, kept-alive
// connections, like Coffer's egress) and its answer streamed back. No authentication, lookup, decryption, audit,
// redaction or log: the cost of a second Node hop alone, against which the proxy's added latency is read.
import { createServer } from "node:http";
import { Agent } from "undici";

const upstream = process.argv[2];
if (upstream === undefined || !/^http:\/\/[^/]+$/.test(upstream)) {
  throw new Error("relay: give the upstream's origin, e.g. http://127.0.0.1:8080");
}
const agent = new Agent({ pipelining: 1 });

const server = createServer((request, response) => {
  agent
    .request({ origin: upstream, path: request.url ?? "/", method: "GET" })
    .then(async (answer) => {
      response.writeHead(answer.statusCode, { "content-type": String(answer.headers["content-type"]) });
      for await (const chunk of answer.body) response.write(chunk);
      response.end();
    })
    .catch(() => {
      response.writeHead(502).end();
    });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("relay: no TCP address");
  console.log(`Relay listening on http://127.0.0.1:${address.port}`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
