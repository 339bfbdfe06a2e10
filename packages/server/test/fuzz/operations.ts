// The operations of an OpenAPI 3.1 document as the fuzzer needs them: method, path template, and the JSON Schemas
// of the path parameters, the query parameters and the JSON request body ($refs resolved).

export type JsonSchema = { [keyword: string]: unknown };

export type Parameter = { name: string; required: boolean; schema: JsonSchema };

export type Operation = {
  /** "POST /v1/projects/{project}/environments", as the document spells it. */
  id: string;
  method: string;
  path: string;
  pathParams: Parameter[];
  query: Parameter[];
  /** The JSON body's schema; undefined when the operation takes no body. */
  body: { schema: JsonSchema; required: boolean } | undefined;
};

type OpenApiDocument = {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

type RawOperation = {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
};

const METHODS = new Set(["get", "head", "post", "put", "patch", "delete", "options"]);

/** Replaces every `{ $ref: "#/components/schemas/X" }` by X (the documents Coffer serves have no cycles). */
function inlineRefs(schema: unknown, components: Record<string, JsonSchema>, depth = 0): unknown {
  if (depth > 64 || schema === null || typeof schema !== "object") return schema;
  if (Array.isArray(schema)) return schema.map((item) => inlineRefs(item, components, depth + 1));
  const ref = (schema as JsonSchema)["$ref"];
  if (typeof ref === "string") {
    const target = components[ref.replace("#/components/schemas/", "")];
    if (target === undefined) throw new Error(`unresolved $ref ${ref} in /openapi.json`);
    return inlineRefs(target, components, depth + 1);
  }
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, inlineRefs(value, components, depth + 1)]),
  );
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  const components = document.components?.schemas ?? {};
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const operation = inlineRefs(raw, components) as RawOperation;
      const parameters = (where: string) =>
        (operation.parameters ?? [])
          .filter((parameter) => parameter.in === where)
          .map((parameter) => ({
            name: parameter.name,
            required: parameter.required === true,
            schema: parameter.schema ?? {},
          }));
      const json = operation.requestBody?.content?.["application/json"]?.schema;
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: parameters("path"),
        query: parameters("query"),
        body:
          json === undefined
            ? undefined
            : { schema: json, required: operation.requestBody?.required === true },
      });
    }
  }
  return operations;
}
