// The leak canary's identity and administration traffic: setup, sign-in, sessions, passwords, users, tokens,
// members, projects, environments, keys and the audit log — the canary used as a password, presented as a token,
// and carried in bad input.
import { expect } from "vitest";
import type { Session, TestServer } from "../helpers.ts";
import type { Canary } from "./canary.ts";
import { type Caller, expectStatus, type Traffic } from "./traffic.ts";
import { PASSWORD, PROJECT, segment, type World } from "./world.ts";

/** Signs in through the recorded client and returns what a browser would hold. */
export async function signInRecorded(t: Traffic, email: string, password: string): Promise<Session> {
  const reply = await t.send(`sign in as ${email}`, "POST", "/v1/auth/login", {
    as: { anonymous: true },
    body: { email, password },
  });
  expectStatus(reply, 200);
  const cookie = reply.headers.getSetCookie()[0]?.split(";")[0] ?? "";
  return { cookie, csrfToken: reply.body.csrfToken, userId: reply.body.user.id };
}

/** The first administrator through the one-time setup link (only possible before any user exists). */
export async function driveSetup(t: Traffic, coffer: TestServer, canary: Canary): Promise<void> {
  const anonymous = { anonymous: true } as const;
  expectStatus(
    await t.send("setup with a forged token and the canary as password", "POST", "/v1/setup", {
      as: anonymous,
      body: { token: "forged", email: "admin@leak.test", password: canary.value },
    }),
    401,
  );
  const token = await coffer.server.users.newSetupToken();
  expectStatus(
    await t.send("setup the first administrator", "POST", "/v1/setup", {
      as: anonymous,
      body: { token, email: "admin@leak.test", password: PASSWORD },
    }),
    201,
  );
}

export async function driveAccounts(w: World): Promise<void> {
  const { traffic: t, listOnly } = w;
  const value = w.canary.value;
  const anonymous: Caller = { anonymous: true };
  expectStatus(
    await t.send("sign in with the canary as a wrong password", "POST", "/v1/auth/login", {
      as: anonymous,
      body: { email: "owner@leak.test", password: value },
    }),
    401,
  );
  expectStatus(
    await t.send("sign in with an unknown property", "POST", "/v1/auth/login", {
      as: anonymous,
      body: { email: "owner@leak.test", password: value, remember: value },
    }),
    400,
  );
  expectStatus(await t.send("who am I (token)", "GET", "/v1/auth/me"), 200);
  expectStatus(await t.send("who am I (session)", "GET", "/v1/auth/me", { as: { session: w.owner } }), 200);
  expectStatus(await t.send("who am I, anonymous", "GET", "/v1/auth/me", { as: anonymous }), 401);
  expectStatus(
    await t.send("the canary presented as a token", "GET", "/v1/auth/me", {
      headers: { authorization: `Bearer ${value}` },
      as: anonymous,
    }),
    401,
  );

  // A person whose password becomes the canary: stored only as a hash, accepted at sign-in, never shown.
  const id = await createUserRecorded(t, "pw@leak.test", PASSWORD);
  let session = await signInRecorded(t, "pw@leak.test", PASSWORD);
  expectStatus(
    await t.send("change password with the canary as a wrong current one", "POST", "/v1/auth/password", {
      as: { session },
      body: { currentPassword: value, newPassword: `${value}-new` },
    }),
    400,
  );
  expectStatus(
    await t.send("change password to the canary", "POST", "/v1/auth/password", {
      as: { session },
      body: { currentPassword: PASSWORD, newPassword: value },
    }),
    204,
  );
  session = await signInRecorded(t, "pw@leak.test", value);
  expectStatus(await t.send("sign out with a token", "POST", "/v1/auth/logout", { as: listOnly }), 400);
  expectStatus(await t.send("sign out", "POST", "/v1/auth/logout", { as: { session } }), 204);

  expectStatus(await t.send("list users", "GET", "/v1/users"), 200);
  expectStatus(await t.send("list users without permission", "GET", "/v1/users", { as: listOnly }), 403);
  expectStatus(
    await t.send("create a user with a taken email and the canary as password", "POST", "/v1/users", {
      body: { email: "pw@leak.test", password: value },
    }),
    409,
  );
  expectStatus(
    await t.send("create a user with a wrong type beside the canary", "POST", "/v1/users", {
      body: { email: "x@leak.test", password: value, instanceAdmin: "yes" },
    }),
    400,
  );
  expectStatus(await t.send("delete a user", "DELETE", `/v1/users/${id}`), 204);
  expectStatus(await t.send("delete a user again", "DELETE", `/v1/users/${id}`), 404);
}

async function createUserRecorded(t: Traffic, email: string, password: string): Promise<string> {
  const reply = await t.send(`create user ${email}`, "POST", "/v1/users", { body: { email, password } });
  expectStatus(reply, 201);
  return reply.body.id as string;
}

/** Users, their sessions, and the scoped tokens the rest of the traffic uses. */
export async function createCallers(t: Traffic): Promise<{
  owner: Session;
  viewer: Session;
  listOnly: Caller;
  useOnly: Caller;
}> {
  await createUserRecorded(t, "owner@leak.test", PASSWORD);
  await createUserRecorded(t, "viewer@leak.test", PASSWORD);
  const members = `/v1/projects/${PROJECT}/members`;
  expectStatus(
    await t.send("add the owner, who may also reveal", "POST", members, {
      body: { email: "owner@leak.test", role: "owner", permissions: ["secrets:reveal"] },
    }),
    201,
  );
  expectStatus(
    await t.send("add a viewer", "POST", members, { body: { email: "viewer@leak.test", role: "viewer" } }),
    201,
  );
  const token = async (name: string, permissions: string[]) => {
    const reply = await t.send(`create token ${name}`, "POST", "/v1/tokens", {
      body: { name, projects: [PROJECT], permissions },
    });
    expectStatus(reply, 201);
    return { token: reply.body.token as string };
  };
  return {
    owner: await signInRecorded(t, "owner@leak.test", PASSWORD),
    viewer: await signInRecorded(t, "viewer@leak.test", PASSWORD),
    listOnly: await token("list-only", ["secrets:list"]),
    useOnly: await token("use-only", ["secrets:use"]),
  };
}

export async function driveTokensAndMembers(w: World): Promise<void> {
  const { traffic: t, listOnly } = w;
  const value = w.canary.value;
  expectStatus(
    await t.send("create a token with the canary as expiry", "POST", "/v1/tokens", {
      body: { name: "bad", projects: [PROJECT], permissions: ["secrets:list"], expiresAt: value },
    }),
    400,
  );
  expectStatus(
    await t.send("create a token without permission", "POST", "/v1/tokens", {
      as: listOnly,
      body: { name: "x", projects: [PROJECT], permissions: ["secrets:list"] },
    }),
    403,
  );
  expectStatus(await t.send("list tokens", "GET", "/v1/tokens"), 200);
  expectStatus(await t.send("list tokens without permission", "GET", "/v1/tokens", { as: listOnly }), 403);
  const spare = await t.send("create a token to revoke", "POST", "/v1/tokens", {
    body: { name: "spare", projects: [PROJECT], permissions: ["secrets:list"] },
  });
  expectStatus(await t.send("revoke a token", "DELETE", `/v1/tokens/${spare.body.id}`), 204);
  expectStatus(
    await t.send("revoke a missing token", "DELETE", "/v1/tokens/00000000-0000-4000-8000-000000000000"),
    404,
  );

  const members = `/v1/projects/${PROJECT}/members`;
  const listed = await t.send("list members", "GET", members);
  expectStatus(listed, 200);
  expectStatus(await t.send("list members of a missing project", "GET", "/v1/projects/ghost/members"), 404);
  expectStatus(
    await t.send("add a member with a wrong type beside the canary", "POST", members, {
      body: { email: "viewer@leak.test", role: 5, permissions: [value] },
    }),
    400,
  );
  const viewer = (listed.body.members as { userId: string; email: string }[]).find(
    (member) => member.email === "viewer@leak.test",
  );
  expect(viewer).toBeDefined();
  expectStatus(
    await t.send("change a member's role", "PATCH", `${members}/${viewer?.userId}`, {
      body: { role: "developer" },
    }),
    200,
  );
  expectStatus(
    await t.send("change a member with an unknown property", "PATCH", `${members}/${viewer?.userId}`, {
      body: { role: "viewer", note: value },
    }),
    400,
  );
  expectStatus(await t.send("remove a member", "DELETE", `${members}/${viewer?.userId}`), 204);
  expectStatus(await t.send("remove a member again", "DELETE", `${members}/${viewer?.userId}`), 404);
}

export async function driveProjects(w: World): Promise<void> {
  const { traffic: t, listOnly } = w;
  const value = w.canary.value;
  expectStatus(await t.send("list projects", "GET", "/v1/projects"), 200);
  expectStatus(
    await t.send("list projects, anonymous", "GET", "/v1/projects", { as: { anonymous: true } }),
    401,
  );
  expectStatus(
    await t.send("create a scratch project", "POST", "/v1/projects", { body: { slug: "scratch" } }),
    201,
  );
  expectStatus(
    await t.send("create a project with a too-long slug holding the canary", "POST", "/v1/projects", {
      body: { slug: `p${value}`.repeat(3) },
    }),
    400,
  );
  expectStatus(await t.send("read a project", "GET", `/v1/projects/${PROJECT}`), 200);
  expectStatus(await t.send("read a missing project", "GET", "/v1/projects/ghost"), 404);
  expectStatus(
    await t.send("rename a project", "PATCH", "/v1/projects/scratch", { body: { name: "Scratch project" } }),
    200,
  );
  expectStatus(
    await t.send("rename with a wrong type beside the canary", "PATCH", "/v1/projects/scratch", {
      body: { name: 5, description: value },
    }),
    400,
  );
  const environments = "/v1/projects/scratch/environments";
  expectStatus(await t.send("list environments", "GET", environments), 200);
  expectStatus(
    await t.send("list environments of a missing project", "GET", "/v1/projects/ghost/environments"),
    404,
  );
  expectStatus(await t.send("add an environment", "POST", environments, { body: { slug: "qa" } }), 201);
  expectStatus(
    await t.send("add an environment with a too-long slug holding the canary", "POST", environments, {
      body: { slug: `e${value}`.repeat(3) },
    }),
    400,
  );
  // A secret holding the canary goes with its environment and its project.
  expectStatus(
    await t.send(
      "store the canary in the scratch project",
      "POST",
      "/v1/projects/scratch/environments/qa/secrets",
      {
        body: { key: "DOOMED", value },
      },
    ),
    201,
  );
  expectStatus(await t.send("delete a non-empty environment", "DELETE", `${environments}/qa`), 409);
  expectStatus(await t.send("delete an environment", "DELETE", `${environments}/qa?force=true`), 204);
  expectStatus(
    await t.send("delete a project the token cannot see", "DELETE", "/v1/projects/scratch?force=true", {
      as: listOnly,
    }),
    404,
  );
  expectStatus(await t.send("delete a project", "DELETE", "/v1/projects/scratch?force=true"), 204);
  expectStatus(
    await t.send("read a project by a pasted value", "GET", `/v1/projects/${segment(value)}`),
    404,
  );
}

export async function driveKeysAndAudit(w: World): Promise<void> {
  const { traffic: t, listOnly } = w;
  const value = w.canary.value;
  expectStatus(await t.send("key status", "GET", "/v1/keys/status"), 200);
  expectStatus(
    await t.send("key status without permission", "GET", "/v1/keys/status", { as: listOnly }),
    403,
  );
  expectStatus(
    await t.send("rotate data keys", "POST", "/v1/keys/rotate-data", { body: { project: PROJECT } }),
    202,
  );
  expectStatus(
    await t.send("rotate data keys with an unknown property", "POST", "/v1/keys/rotate-data", {
      body: { project: PROJECT, why: value },
    }),
    400,
  );
  expectStatus(await t.send("verify the audit log", "POST", "/v1/audit/verify", { body: {} }), 200);
  expectStatus(
    await t.send("verify the audit log without permission", "POST", "/v1/audit/verify", {
      as: listOnly,
      body: {},
    }),
    403,
  );
  expectStatus(
    await t.send("read the audit log without permission", "GET", "/v1/audit", { as: listOnly }),
    403,
  );
  expectStatus(await t.send("read the audit log with a bad time", "GET", "/v1/audit?since=yesterday"), 400);
}
