// Builds the Fastify app: security headers, request ids, authentication, error mapping, OpenAPI, and the routes.
import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { LogController } from "fastify";
import type { Logger } from "pino";
import { registerTokenRoutes } from "../auth/tokens-routes.ts";
import type { TokensService } from "../auth/tokens-service.ts";
import { registerProjectRoutes } from "../projects/projects-routes.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import { registerSecretRoutes } from "../secrets/secrets-routes.ts";
import type { SecretsService } from "../secrets/secrets-service.ts";
import type { App } from "./app-type.ts";
import { errorBody, handleError } from "./errors.ts";
import { validatorCompiler } from "./validator.ts";

export type AppDeps = {
  logger: Logger;
  bodyLimitBytes: number;
  projects: ProjectsService;
  secrets: SecretsService;
  tokens: TokensService;
  ready: () => Promise<void>;
};

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request is written by the onResponse hook below, with the fields we choose.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    routerOptions: { maxParamLength: 1024 },
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(
        errorBody("not_found", `No route for ${request.method} ${request.url.split("?")[0]?.slice(0, 200)}`),
      );
  });
  app.decorateRequest("principal", undefined as never);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    reply.header("cache-control", "no-store");
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    if (request.routeOptions.config.public === true) return;
    request.principal = await deps.tokens.authenticate(request.headers.authorization);
  });

  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? "(unmatched)",
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        actor: request.principal?.actor.id,
      },
      "request",
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Coffer API",
        version: "1",
        description: "Self-hosted secrets manager. Values are write-only except through the reveal routes.",
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "coffer_…" } },
      },
      security: [{ bearer: [] }],
    },
  });

  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { config: { public: true }, schema: { tags: ["health"], security: [] } }, async () => ({
    status: "ok",
  }));
  app.get(
    "/readyz",
    { config: { public: true }, schema: { tags: ["health"], security: [] } },
    async (_request, reply) => {
      try {
        await deps.ready();
        return { status: "ready" };
      } catch {
        return reply.status(503).send({ status: "unavailable", reason: "the database is not reachable" });
      }
    },
  );

  registerProjectRoutes(app, deps.projects);
  registerSecretRoutes(app, deps.secrets);
  registerTokenRoutes(app, deps.tokens);
  await app.ready();
  return app;
}
