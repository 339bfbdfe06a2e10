// The public surface of the refs module: the one parser and resolver of secret references (ARCHITECTURE §6).

export { parseTemplate } from "./parse-template.ts";
export {
  describeLocation,
  formatJsonPath,
  type JsonPathSegment,
  type ReferenceLocation,
  type TemplateProblem,
  type TemplateProblemCode,
  TemplateReferenceError,
} from "./reference-error.ts";
export {
  type CompiledTemplate,
  compileTemplate,
  findReferences,
  type JsonValue,
  type ReferenceOccurrence,
  resolveTemplate,
  type SecretFieldRef,
  type SecretLookup,
  type SecretValues,
} from "./reference-resolver.ts";
export {
  DEFAULT_FIELD,
  MAX_NAME_LENGTH,
  type ReferencePart,
  type ReferenceSyntax,
  type RenderablePart,
  type TemplatePart,
  type TextPart,
} from "./reference-syntax.ts";
export { renderTemplate } from "./render-template.ts";
