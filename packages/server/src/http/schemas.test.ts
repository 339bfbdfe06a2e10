import swagger from "@fastify/swagger";
import Fastify from "fastify";
import { Type } from "typebox";
import { describe, expect, it } from "vitest";
import { documentStorageFull, errorResponses } from "./schemas.ts";

type Operation = {
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};

/** The OpenAPI document of a bare app whose routes are declared by `declare`, with the transform under test. */
async function documentOf(declare: (app: ReturnType<typeof Fastify>) => void) {
  const app = Fastify();
  await app.register(swagger, { openapi: { openapi: "3.1.0" }, transform: documentStorageFull });
  declare(app);
  await app.ready();
  const paths = app.swagger().paths as Record<string, Record<string, Operation>>;
  await app.close();
  return paths;
}

describe("documentStorageFull", () => {
  it("adds 507 with the error shape to write operations and leaves reads alone", async () => {
    const paths = await documentOf((app) => {
      const response = { 200: Type.Object({}), ...errorResponses(401) };
      app.get("/things", { schema: { response } }, async () => ({}));
      app.post("/things", { schema: { response } }, async () => ({}));
      app.put("/things/:id", { schema: { response } }, async () => ({}));
      app.patch("/things/:id", { schema: { response } }, async () => ({}));
      app.delete("/things/:id", { schema: { response } }, async () => ({}));
    });

    expect(paths["/things"]?.["get"]?.responses["507"]).toBeUndefined();
    for (const operation of [
      paths["/things"]?.["post"],
      paths["/things/{id}"]?.["put"],
      paths["/things/{id}"]?.["patch"],
      paths["/things/{id}"]?.["delete"],
    ]) {
      expect(operation?.responses["507"]?.content?.["application/json"]?.schema).toEqual(
        operation?.responses["401"]?.content?.["application/json"]?.schema,
      );
    }
  });

  it("documents 507 on a write route that declares no response schema, and on one that accepts many methods", async () => {
    const paths = await documentOf((app) => {
      app.post("/bare", { schema: {} }, async () => ({}));
      app.route({ method: ["GET", "POST"], url: "/any", schema: {}, handler: async () => ({}) });
    });

    expect(paths["/bare"]?.["post"]?.responses["507"]).toBeDefined();
    expect(paths["/any"]?.["post"]?.responses["507"]).toBeDefined();
  });

  it("keeps a route's own 507 and never changes the schema that serialises its responses", async () => {
    const own = Type.Object({ error: Type.Object({}) }, { description: "The route's own words" });
    const schema = { response: { 200: Type.Object({}), 507: own } };
    const plain = { response: { 200: Type.Object({}) } };
    const paths = await documentOf((app) => {
      app.post("/own", { schema }, async () => ({}));
      app.post("/plain", { schema: plain }, async () => ({}));
    });

    expect(paths["/own"]?.["post"]?.responses["507"]).toMatchObject({ description: "The route's own words" });
    expect(paths["/plain"]?.["post"]?.responses["507"]).toBeDefined();
    expect(Object.keys(plain.response)).toEqual(["200"]);
  });
});
