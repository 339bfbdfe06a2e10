// `coffer.references` and `coffer.resolve`: templates holding `$SECRET/NAME` or `{{ secrets.NAME }}`
// references, checked or resolved by the server in one project environment.

import type { Transport } from "./http.ts";
import { type EnvironmentCallOptions, environmentPath, type ScopeDefaults } from "./scope.ts";
import type { ReferenceCheck } from "./types.ts";

/**
 * A string, or a JSON document (any object or array that JSON.stringify renders, typed by an
 * interface or not) whose strings may hold references.
 */
export type Template = string | object;

export class ReferencesApi {
  readonly #transport: Transport;
  readonly #defaults: ScopeDefaults;

  constructor(transport: Transport, defaults: ScopeDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  /** Which references the template contains and whether each exists; needs only `secrets:list`. */
  async check(template: Template, options?: EnvironmentCallOptions): Promise<ReferenceCheck> {
    return this.#transport.json<ReferenceCheck>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/references/check`,
      body: { template },
      signal: options?.signal,
    });
  }

  /**
   * The template with every reference replaced by its value, in the same shape; needs
   * `secrets:reveal`. A reference to a missing secret or field fails with an error naming it.
   */
  resolve(template: string, options?: EnvironmentCallOptions): Promise<string>;
  resolve<T extends object>(template: T, options?: EnvironmentCallOptions): Promise<T>;
  resolve(template: Template, options?: EnvironmentCallOptions): Promise<unknown>;
  async resolve(template: Template, options?: EnvironmentCallOptions): Promise<unknown> {
    return this.#transport.json<unknown>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/resolve`,
      body: { template },
      signal: options?.signal,
    });
  }
}
