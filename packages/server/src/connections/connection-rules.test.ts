import { describe, expect, it } from "vitest";
import {
  compilePathGlob,
  normaliseBaseUrl,
  validateMethods,
  validatePathGlobs,
  validateTemplates,
} from "./connection-rules.ts";

describe("connection rules", () => {
  it("compiles path globs: * within a segment, ** across, a trailing /** also matching its parent", () => {
    const v1 = compilePathGlob("/v1/**");
    expect(["/v1", "/v1/", "/v1/chat/completions"].every((path) => v1.test(path))).toBe(true);
    expect(v1.test("/v1beta/models")).toBe(false);
    const models = compilePathGlob("/v1/models/*");
    expect(models.test("/v1/models/gpt-4o")).toBe(true);
    expect(models.test("/v1/models/a/b")).toBe(false);
    expect(compilePathGlob("/v1/files.(json)").test("/v1/files.(json)")).toBe(true);
    expect(compilePathGlob("/v1/files.(json)").test("/v1/filesx(json)")).toBe(false);
  });

  it("normalises a base URL and refuses what cannot be one", () => {
    expect(normaliseBaseUrl(" https://API.OpenAI.com./v1/ ", false)).toBe("https://api.openai.com/v1");
    expect(() => normaliseBaseUrl("https://api.example.com/?key=x", false)).toThrow(/query or a fragment/);
    expect(() => normaliseBaseUrl("https://app.localhost", false)).toThrow(/private_address/);
    expect(normaliseBaseUrl("http://127.0.0.1:8080/", true)).toBe("http://127.0.0.1:8080");
  });

  it("checks methods, globs and templates", () => {
    expect(validateMethods(["get", "POST", "GET"])).toEqual(["GET", "POST"]);
    expect(() => validateMethods([])).toThrow(/at least one method/);
    expect(() => validateMethods(["TRACE"])).toThrow(/Unknown method "TRACE"/);
    expect(() => validatePathGlobs(["v1/**"])).toThrow(/must start with "\/"/);
    expect(() => validatePathGlobs(["/v1/../x"])).toThrow(/"\." or "\.\." segments/);
    expect(validateTemplates("headers", { Authorization: "Bearer $SECRET/K" })).toEqual({
      authorization: "Bearer $SECRET/K",
    });
    expect(() => validateTemplates("headers", { "x-a": "a\r\nb" })).toThrow(/line break/);
    expect(() => validateTemplates("headers", { "Content-Length": "1" })).toThrow(/cannot be configured/);
    expect(() => validateTemplates("query", { key: "{{ secrets.K" })).toThrow(/query\["key"\]: Malformed/);
  });
});
