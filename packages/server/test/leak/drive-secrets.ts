// The leak canary's secrets traffic: the canary stored every way a value can be (single value, a field, an old
// version, a batch import), then every secrets and references route on a success path and on error paths whose
// input carries the canary.
import { expect } from "vitest";
import { expectStatus } from "./traffic.ts";
import { ENV_PATH, SECRETS, segment, type World } from "./world.ts";

/** Stores the canary as a single value, a field, an old version and a batch import. */
export async function storeCanary(w: World): Promise<void> {
  const { traffic: t } = w;
  const value = w.canary.value;
  const create = (label: string, body: unknown) => t.send(label, "POST", SECRETS, { body });
  expectStatus(await create("create a single-value secret", { key: "LEAK_VALUE", value }), 201);
  expectStatus(
    await create("create a multi-field secret", {
      key: "LEAK_FIELDS",
      fields: { user: "svc", password: value },
    }),
    201,
  );
  expectStatus(await create("create a secret whose value changes", { key: "LEAK_OLD", value }), 201);
  expectStatus(
    await t.send("change its value", "PATCH", `${SECRETS}/LEAK_OLD`, { body: { value: "rotated-value-1" } }),
    200,
  );
  expectStatus(await create("create the proxy's secret", { key: "LEAK_PROXY", value }), 201);
  expectStatus(
    await create("create the HTTP action's secret", {
      key: "LEAK_ACTION",
      value,
      allowedDestinations: [`127.0.0.1:${w.echo.port}`],
    }),
    201,
  );
  expectStatus(
    await t.send("import a batch", "POST", `${SECRETS}/batch`, {
      body: { secrets: [{ key: "LEAK_BATCH", value }], onConflict: "fail" },
    }),
    200,
  );
  expectStatus(
    await t.send("dry-run a batch", "POST", `${SECRETS}/batch`, {
      body: { secrets: [{ key: "LEAK_DRY", value }], onConflict: "skip", dryRun: true },
    }),
    200,
  );
}

/** The secrets routes: metadata, changes, errors with the canary in the input, and the reveal routes. */
export async function driveSecrets(w: World): Promise<void> {
  const { traffic: t, listOnly, useOnly } = w;
  const value = w.canary.value;
  const send = t.send.bind(t);

  // Creation: each error carries the canary in its input.
  expectStatus(await send("duplicate key", "POST", SECRETS, { body: { key: "LEAK_VALUE", value } }), 409);
  expectStatus(
    await send("too-long key holding the canary", "POST", SECRETS, {
      body: { key: `K${value}`.repeat(10), value },
    }),
    400,
  );
  expectStatus(
    await send("too-long field name holding the canary", "POST", SECRETS, {
      body: { key: "LEAK_BAD_FIELD", fields: { [`f${value.replace(" ", "_")}`.repeat(4)]: value } },
    }),
    400,
  );
  expectStatus(
    await send("wrong type beside the canary", "POST", SECRETS, {
      body: { key: "X", value, description: 5 },
    }),
    400,
  );
  expectStatus(
    await send("unknown property beside the canary", "POST", SECRETS, {
      body: { key: "X", value, extra: value },
    }),
    400,
  );
  expectStatus(
    await send("value and fields both", "POST", SECRETS, { body: { key: "X", value, fields: { a: value } } }),
    400,
  );
  expectStatus(
    await send("invalid JSON holding the canary", "POST", SECRETS, { body: `{"key":"X","value":"${value}"` }),
    400,
  );
  expectStatus(
    await send("value over the size limit", "POST", SECRETS, {
      body: { key: "X", value: value.repeat(3000) },
    }),
    413,
  );
  expectStatus(
    await send("no permission to create", "POST", SECRETS, { as: listOnly, body: { key: "X", value } }),
    403,
  );

  // Batch import errors.
  expectStatus(
    await send("batch with a key twice", "POST", `${SECRETS}/batch`, {
      body: {
        secrets: [
          { key: "LEAK_TWICE", value },
          { key: "LEAK_TWICE", value },
        ],
        onConflict: "fail",
      },
    }),
    400,
  );
  expectStatus(
    await send("batch with a too-long key holding the canary", "POST", `${SECRETS}/batch`, {
      body: { secrets: [{ key: `K${value}`.repeat(10), value }], onConflict: "fail" },
    }),
    400,
  );
  expectStatus(
    await send("batch conflicting with a stored key", "POST", `${SECRETS}/batch`, {
      body: { secrets: [{ key: "LEAK_VALUE", value }], onConflict: "fail" },
    }),
    409,
  );

  // Metadata: list, describe, versions.
  expectStatus(await send("list secrets", "GET", SECRETS), 200);
  expectStatus(await send("list secrets by prefix", "GET", `${SECRETS}?prefix=LEAK_VALUE&limit=1`), 200);
  expectStatus(await send("list secrets without permission", "GET", SECRETS, { as: useOnly }), 403);
  expectStatus(await send("describe a secret", "GET", `${SECRETS}/LEAK_FIELDS`), 200);
  // A value pasted where a key goes: the answer and the audit event must not repeat it.
  expectStatus(await send("describe with the canary as key", "GET", `${SECRETS}/${segment(value)}`), 404);
  expectStatus(await send("list versions", "GET", `${SECRETS}/LEAK_OLD/versions`), 200);
  expectStatus(await send("versions of a missing secret", "GET", `${SECRETS}/NOPE/versions`), 404);

  // Changes.
  expectStatus(
    await send("update to the same value", "PATCH", `${SECRETS}/LEAK_VALUE`, { body: { value } }),
    422,
  );
  expectStatus(
    await send("update without permission", "PATCH", `${SECRETS}/LEAK_VALUE`, {
      as: listOnly,
      body: { value },
    }),
    403,
  );
  expectStatus(
    await send("update a field", "PATCH", `${SECRETS}/LEAK_FIELDS`, { body: { fields: { user: "svc2" } } }),
    200,
  );
  expectStatus(
    await send("update with an unknown property", "PATCH", `${SECRETS}/LEAK_FIELDS`, {
      body: { fields: { password: value }, bogus: value },
    }),
    400,
  );
  expectStatus(
    await send("roll back to the canary version", "POST", `${SECRETS}/LEAK_OLD/rollback`, {
      body: { version: 1 },
    }),
    200,
  );
  expectStatus(
    await send("roll back to a missing version", "POST", `${SECRETS}/LEAK_OLD/rollback`, {
      body: { version: 99 },
    }),
    404,
  );
  expectStatus(
    await send("create a secret to delete", "POST", SECRETS, { body: { key: "LEAK_GONE", value } }),
    201,
  );
  expectStatus(
    await send("delete without permission", "DELETE", `${SECRETS}/LEAK_GONE`, { as: listOnly }),
    403,
  );
  expectStatus(await send("delete a secret", "DELETE", `${SECRETS}/LEAK_GONE`), 204);
  expectStatus(await send("delete it again", "DELETE", `${SECRETS}/LEAK_GONE`), 404);

  // The reveal routes: the canary is expected in their successful answers, and only there.
  const revealed = await send("reveal a value", "GET", `${SECRETS}/LEAK_VALUE/value`);
  expect(revealed.body.data.value).toBe(value);
  expectStatus(
    await send("reveal without permission", "GET", `${SECRETS}/LEAK_VALUE/value`, { as: listOnly }),
    403,
  );
  const old = await send("reveal an old version", "GET", `${SECRETS}/LEAK_OLD/versions/1/value`);
  expect(old.body.data.value).toBe(value);
  expectStatus(await send("reveal a missing version", "GET", `${SECRETS}/LEAK_OLD/versions/99/value`), 404);
  const all = await send("reveal in bulk", "POST", `${ENV_PATH}/values`, { body: {} });
  expect(all.text).toContain(value);
  expectStatus(
    await send("reveal in bulk, a missing key", "POST", `${ENV_PATH}/values`, {
      body: { keys: ["LEAK_VALUE", "NOPE"] },
    }),
    404,
  );
}

/** The template routes: resolve (a reveal route) and the references check (metadata only). */
export async function driveReferences(w: World): Promise<void> {
  const { traffic: t, listOnly } = w;
  const value = w.canary.value;
  const resolved = await t.send("resolve a template", "POST", `${ENV_PATH}/resolve`, {
    body: { template: { auth: "Bearer $SECRET/LEAK_VALUE", pw: "{{ secrets.LEAK_FIELDS.password }}" } },
  });
  expect(resolved.body.resolved.auth).toBe(`Bearer ${value}`);
  expectStatus(
    await t.send(
      "resolve a template with a missing reference and a pasted value",
      "POST",
      `${ENV_PATH}/resolve`,
      {
        body: { template: `${value} $SECRET/NOPE` },
      },
    ),
    400,
  );
  expectStatus(
    await t.send("resolve without permission", "POST", `${ENV_PATH}/resolve`, {
      as: listOnly,
      body: { template: "$SECRET/LEAK_VALUE" },
    }),
    403,
  );
  expectStatus(
    await t.send("check a template holding a pasted value", "POST", `${ENV_PATH}/references/check`, {
      body: { template: `${value} $SECRET/LEAK_VALUE {{ secrets.LEAK_FIELDS.password }} $SECRET/NOPE` },
    }),
    200,
  );
  expectStatus(
    await t.send("check a template with a broken reference", "POST", `${ENV_PATH}/references/check`, {
      body: { template: `${value} {{ secrets. }}` },
    }),
    400,
  );
}
