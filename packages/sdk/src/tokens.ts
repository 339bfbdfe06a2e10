// `coffer.tokens`: API tokens, the identities of programs.

import type { Transport } from "./http.ts";
import { type CallOptions, segment } from "./scope.ts";
import type { CreatedToken, CreateToken, Token, TokenList } from "./types.ts";

export class TokensApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** The result's `token` is the only time the secret is shown: store it now. */
  async create(token: CreateToken, options?: CallOptions): Promise<CreatedToken> {
    const { name, projects, environments, permissions, expiresAt } = token;
    return this.#transport.json<CreatedToken>({
      method: "POST",
      path: "/v1/tokens",
      body: { name, projects, environments, permissions, expiresAt } satisfies CreateToken,
      signal: options?.signal,
    });
  }

  /** Every token's description; never a token's secret. */
  async list(options?: CallOptions): Promise<Token[]> {
    const response = await this.#transport.json<TokenList>({
      method: "GET",
      path: "/v1/tokens",
      signal: options?.signal,
    });
    return response.tokens;
  }

  async revoke(id: string, options?: CallOptions): Promise<void> {
    await this.#transport.json<void>({
      method: "DELETE",
      path: `/v1/tokens/${segment(id, "id")}`,
      signal: options?.signal,
    });
  }
}
