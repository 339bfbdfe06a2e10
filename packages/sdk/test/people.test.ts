import { describe, expect, it } from "vitest";
import { clientOf, fakeCoffer } from "./fake-coffer.ts";

const user = {
  id: "u1",
  email: "dev@example.com",
  name: "Dev",
  instanceAdmin: false,
  createdAt: "2025-01-01T00:00:00.000Z",
};
const member = {
  userId: "u1",
  email: "dev@example.com",
  name: "Dev",
  role: "developer",
  permissions: ["secrets:reveal"],
  createdAt: "2025-01-01T00:00:00.000Z",
};

describe("signing in", () => {
  it("returns the session's CSRF token without storing it, and sends it on writes once set", async () => {
    const server = await fakeCoffer((request) => {
      if (request.url === "/v1/auth/login") {
        return {
          headers: { "set-cookie": "coffer_session=s; Path=/; HttpOnly" },
          json: { user, csrfToken: "csrf-1", expiresAt: "2025-01-01T12:00:00.000Z" },
        };
      }
      return request.method === "GET" ? { json: { members: [member] } } : { status: 201, json: member };
    });
    const coffer = clientOf(server, { token: undefined, credentials: "include" });

    const session = await coffer.auth.login({ email: "dev@example.com", password: "correct horse" });
    expect(session.csrfToken).toBe("csrf-1");
    expect(session.user.email).toBe("dev@example.com");
    await coffer.members.add({ email: "a@example.com", role: "viewer" });
    coffer.setCsrfToken(session.csrfToken);
    await coffer.members.add({ email: "b@example.com", role: "viewer" });
    await coffer.members.list();

    const [login, before, after, read] = server.requests;
    expect(login?.json).toEqual({ email: "dev@example.com", password: "correct horse" });
    expect(login?.headers["x-csrf-token"]).toBeUndefined();
    expect(before?.headers["x-csrf-token"]).toBeUndefined();
    expect(after?.headers["x-csrf-token"]).toBe("csrf-1");
    expect(read?.headers["x-csrf-token"]).toBeUndefined();
  });

  it("stops sending the CSRF token once it is set to undefined", async () => {
    const server = await fakeCoffer(() => ({ status: 204 }));
    const coffer = clientOf(server, { csrfToken: "csrf-1" });
    await coffer.auth.logout();
    coffer.setCsrfToken(undefined);
    await coffer.auth.logout();
    expect(server.requests.map((r) => r.headers["x-csrf-token"])).toEqual(["csrf-1", undefined]);
  });

  it("asks who the caller is, signs out and changes the password under /v1/auth", async () => {
    const me = { kind: "user", actor: { type: "user", id: "u1", name: "Dev" }, user, csrfToken: "c" };
    const server = await fakeCoffer((request) => (request.method === "GET" ? { json: me } : { status: 204 }));
    const { auth } = clientOf(server);

    expect(await auth.me()).toEqual(me);
    await expect(auth.logout()).resolves.toBeUndefined();
    await auth.changePassword({ currentPassword: "old password", newPassword: "a new password" });
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      "GET /v1/auth/me ",
      "POST /v1/auth/logout ",
      'POST /v1/auth/password {"currentPassword":"old password","newPassword":"a new password"}',
    ]);
  });
});

describe("users and members", () => {
  it("lists, creates and deletes users through /v1/users, sending only the fields given", async () => {
    const server = await fakeCoffer((request) => {
      if (request.method === "DELETE") return { status: 204 };
      if (request.method === "GET") return { json: { users: [user] } };
      return { status: 201, json: user };
    });
    const { users } = clientOf(server);

    expect(await users.list()).toEqual([user]);
    expect(await users.create({ email: "dev@example.com", password: "twelve chars!" })).toEqual(user);
    await users.create({
      email: "ops@example.com",
      password: "twelve chars!",
      name: "Ops",
      instanceAdmin: true,
    });
    await users.delete("u/1");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      "GET /v1/users ",
      'POST /v1/users {"email":"dev@example.com","password":"twelve chars!"}',
      'POST /v1/users {"email":"ops@example.com","password":"twelve chars!","name":"Ops","instanceAdmin":true}',
      "DELETE /v1/users/u%2F1 ",
    ]);
  });

  it("manages the members of the client's project, or of the one a call names", async () => {
    const server = await fakeCoffer((request) => {
      if (request.method === "DELETE") return { status: 204 };
      if (request.method === "GET") return { json: { members: [member] } };
      return { status: request.method === "POST" ? 201 : 200, json: member };
    });
    const { members } = clientOf(server);

    expect(await members.list()).toEqual([member]);
    await members.add({ email: "dev@example.com", role: "developer", permissions: ["secrets:reveal"] });
    await members.update("u1", { role: "viewer" }, { project: "web shop" });
    await members.update("u1", { permissions: [] });
    await members.remove("u1");
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      "GET /v1/projects/payments/members ",
      'POST /v1/projects/payments/members {"email":"dev@example.com","role":"developer","permissions":["secrets:reveal"]}',
      'PATCH /v1/projects/web%20shop/members/u1 {"role":"viewer"}',
      'PATCH /v1/projects/payments/members/u1 {"permissions":[]}',
      "DELETE /v1/projects/payments/members/u1 ",
    ]);
  });

  it("refuses a member call without a project, or without a user id, before sending anything", async () => {
    const server = await fakeCoffer();
    const { members } = clientOf(server, { project: undefined });
    await expect(members.list()).rejects.toMatchObject({ details: { field: "project" } });
    await expect(members.remove("", { project: "payments" })).rejects.toMatchObject({
      details: { field: "userId" },
    });
    expect(server.requests).toHaveLength(0);
  });
});
