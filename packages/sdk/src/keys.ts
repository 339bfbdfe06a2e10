// `coffer.keys`: data key versions and their rotation (instance admins).

import type { Transport } from "./http.ts";
import type { CallOptions } from "./scope.ts";
import type { DataKeyRotationStarted, KeysStatus, RotateDataKeys } from "./types.ts";

/**
 * The client's default project does not apply here: key management is instance-wide, and a rotation
 * without `project` rotates every project.
 */
export interface RotateDataKeysOptions extends CallOptions, RotateDataKeys {}

export class KeysApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Every project's data key versions, how many values each protects, and the re-encryption's progress. */
  async status(options?: CallOptions): Promise<KeysStatus> {
    return this.#transport.json<KeysStatus>({
      method: "GET",
      path: "/v1/keys/status",
      signal: options?.signal,
    });
  }

  /**
   * Gives the project (or every project) a new data key version and returns at once; the server then
   * re-encrypts the stored values in the background. Follow it with `status()` until
   * `rotation.remaining` is 0. Not retried: a second call would add another version.
   */
  async rotateData(options?: RotateDataKeysOptions): Promise<DataKeyRotationStarted> {
    const body: RotateDataKeys = options?.project === undefined ? {} : { project: options.project };
    return this.#transport.json<DataKeyRotationStarted>({
      method: "POST",
      path: "/v1/keys/rotate-data",
      body,
      signal: options?.signal,
    });
  }
}
