// Connection presets for the common LLM APIs: what `--preset openai --secret OPENAI_API_KEY` expands to.
import { ValidationError } from "../errors.ts";

export type PresetName = "openai" | "anthropic" | "openai-compatible";

export type PresetDefaults = {
  baseUrl: string | undefined;
  headers: Record<string, string>;
  paths: string[] | null;
};

type Preset = {
  /** Undefined: the caller must give `baseUrl` (an OpenAI-compatible server of their own). */
  baseUrl: string | undefined;
  headers: (reference: string) => Record<string, string>;
  paths: string[] | null;
};

const PRESETS: Record<PresetName, Preset> = {
  openai: {
    baseUrl: "https://api.openai.com",
    headers: (reference) => ({ authorization: `Bearer ${reference}` }),
    paths: ["/v1/**"],
  },
  anthropic: {
    baseUrl: "https://api.anthropic.com",
    headers: (reference) => ({ "x-api-key": reference, "anthropic-version": "2023-06-01" }),
    paths: ["/v1/**"],
  },
  "openai-compatible": {
    baseUrl: undefined,
    headers: (reference) => ({ authorization: `Bearer ${reference}` }),
    paths: null,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** The defaults of a preset, with `secret` (a secret key, checked by the caller) as the credential reference. */
export function presetDefaults(name: string, secret: string | undefined): PresetDefaults {
  if (!isPresetName(name)) {
    throw new ValidationError(
      "preset",
      `Unknown preset "${name.slice(0, 64)}": use one of ${PRESET_NAMES.join(", ")}`,
    );
  }
  if (secret === undefined) {
    throw new ValidationError(
      "secret",
      `The "${name}" preset needs "secret": the key of the secret holding the API key`,
    );
  }
  const preset = PRESETS[name];
  return { baseUrl: preset.baseUrl, headers: preset.headers(`$SECRET/${secret}`), paths: preset.paths };
}
