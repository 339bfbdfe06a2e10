// `coffer.auth`: a person's sign-in, sign-out and password, and who the server takes the caller to be.

import type { Transport } from "./http.ts";
import type { CallOptions } from "./scope.ts";
import type { ChangePassword, Credentials, Me, Session, SetupRequest, User } from "./types.ts";

export class AuthApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Signs a person in. The session is an HttpOnly cookie that the browser keeps (pass
   * `credentials: "include"` across origins); the SDK stores nothing. State-changing requests must
   * then carry the returned CSRF token: `coffer.setCsrfToken(session.csrfToken)`.
   */
  async login(credentials: Credentials, options?: CallOptions): Promise<Session> {
    const { email, password } = credentials;
    return this.#transport.json<Session>({
      method: "POST",
      path: "/v1/auth/login",
      body: { email, password } satisfies Credentials,
      signal: options?.signal,
    });
  }

  /** Ends the session of the cookie sent with the request; an API token is revoked instead. */
  async logout(options?: CallOptions): Promise<void> {
    await this.#transport.json<void>({ method: "POST", path: "/v1/auth/logout", signal: options?.signal });
  }

  /** The caller: a signed-in person (with the session's CSRF token) or an API token. */
  async me(options?: CallOptions): Promise<Me> {
    return this.#transport.json<Me>({ method: "GET", path: "/v1/auth/me", signal: options?.signal });
  }

  /**
   * Creates the first administrator of a new instance from its one-time setup token (needs no
   * credentials); sign in afterwards with `login`.
   */
  async setup(request: SetupRequest, options?: CallOptions): Promise<User> {
    const { token, email, password, name } = request;
    return this.#transport.json<User>({
      method: "POST",
      path: "/v1/setup",
      body: { token, email, password, name } satisfies SetupRequest,
      signal: options?.signal,
    });
  }

  /** Changes the signed-in person's password; the current one must be given. */
  async changePassword(change: ChangePassword, options?: CallOptions): Promise<void> {
    const { currentPassword, newPassword } = change;
    await this.#transport.json<void>({
      method: "POST",
      path: "/v1/auth/password",
      body: { currentPassword, newPassword } satisfies ChangePassword,
      signal: options?.signal,
    });
  }
}
