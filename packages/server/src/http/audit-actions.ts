// Names the action a route performs, for the audit events of refused and failed requests.
// (Successful changes are recorded by the services themselves, in the transaction that makes them.)

const ACTIONS: Record<string, string> = {
  "GET /v1/projects": "project.list",
  "POST /v1/projects": "project.create",
  "GET /v1/projects/:project": "project.read",
  "PATCH /v1/projects/:project": "project.update",
  "DELETE /v1/projects/:project": "project.delete",
  "GET /v1/projects/:project/environments": "environment.list",
  "POST /v1/projects/:project/environments": "environment.create",
  "DELETE /v1/projects/:project/environments/:env": "environment.delete",
  "GET /v1/projects/:project/environments/:env/secrets": "secret.list",
  "POST /v1/projects/:project/environments/:env/secrets": "secret.create",
  "POST /v1/projects/:project/environments/:env/secrets/batch": "secret.import",
  "GET /v1/projects/:project/environments/:env/secrets/:key": "secret.read",
  "PATCH /v1/projects/:project/environments/:env/secrets/:key": "secret.update",
  "DELETE /v1/projects/:project/environments/:env/secrets/:key": "secret.delete",
  "GET /v1/projects/:project/environments/:env/secrets/:key/value": "secret.reveal",
  "GET /v1/projects/:project/environments/:env/secrets/:key/versions": "secret.versions",
  "GET /v1/projects/:project/environments/:env/secrets/:key/versions/:version/value": "secret.reveal",
  "POST /v1/projects/:project/environments/:env/secrets/:key/rollback": "secret.rollback",
  "POST /v1/projects/:project/environments/:env/values": "secret.reveal_bulk",
  "POST /v1/projects/:project/environments/:env/resolve": "secret.reveal",
  "POST /v1/projects/:project/environments/:env/references/check": "reference.check",
  "POST /v1/projects/:project/environments/:env/http": "secret.use",
  "GET /v1/projects/:project/connections": "connection.list",
  "POST /v1/projects/:project/connections": "connection.create",
  "GET /v1/projects/:project/connections/:connection": "connection.read",
  "PATCH /v1/projects/:project/connections/:connection": "connection.update",
  "DELETE /v1/projects/:project/connections/:connection": "connection.delete",
  "GET /v1/projects/:project/members": "member.list",
  "POST /v1/projects/:project/members": "member.add",
  "PATCH /v1/projects/:project/members/:userId": "member.update",
  "DELETE /v1/projects/:project/members/:userId": "member.remove",
  "POST /v1/tokens": "token.create",
  "GET /v1/tokens": "token.list",
  "DELETE /v1/tokens/:id": "token.revoke",
  "GET /v1/users": "user.list",
  "POST /v1/users": "user.create",
  "DELETE /v1/users/:id": "user.delete",
  "POST /v1/auth/logout": "auth.logout",
  "POST /v1/auth/password": "user.password_change",
  "GET /v1/audit": "audit.read",
  "POST /v1/audit/verify": "audit.verify",
  "GET /v1/keys/status": "keys.status",
  "POST /v1/keys/rotate-data": "keys.rotate_data",
  "POST /v1/setup": "setup.complete",
};

/** Every method of the proxy route is a use of the connection's secrets. */
const PROXY_ROUTE = "/v1/proxy/:project/:env/:connection/*";

export function actionOf(method: string, route: string | undefined): string {
  if (route === PROXY_ROUTE) return "secret.use";
  return ACTIONS[`${method} ${route ?? ""}`] ?? "request";
}
