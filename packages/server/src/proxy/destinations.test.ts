import { describe, expect, it } from "vitest";
import { nonPublicKind } from "./address-policy.ts";
import { checkDestinationBinding, isDestinationAllowed, parseEgressUrl } from "./destinations.ts";
import { EgressRefusedError } from "./egress-errors.ts";

const strict = { allowLoopback: false };
const relaxed = { allowLoopback: true };

function ruleOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof EgressRefusedError) return error.rule;
    throw error;
  }
}

const allowed = (url: string, entries: string[]) =>
  isDestinationAllowed(parseEgressUrl(url, strict), entries);

describe("parsing a destination URL", () => {
  it("normalises case, a trailing dot and Unicode names before anything is compared", () => {
    const target = parseEgressUrl("https://API.Stripe.COM./v1/charges?x=1", strict);
    expect(target.host).toBe("api.stripe.com");
    expect(target.url.href).toBe("https://api.stripe.com/v1/charges?x=1");
    expect(target.port).toBe(443);
    expect(parseEgressUrl("https://bücher.example/", strict).host).toBe("xn--bcher-kva.example");
  });

  it("refuses user information before the host, however it is spelled", () => {
    expect(ruleOf(() => parseEgressUrl("https://api.stripe.com@evil.test/", strict))).toBe("userinfo");
    expect(ruleOf(() => parseEgressUrl("https://user:pw@api.stripe.com/", strict))).toBe("userinfo");
    expect(ruleOf(() => parseEgressUrl("https://@api.stripe.com/", strict))).toBe("userinfo");
  });

  it("refuses IP addresses written in decimal, octal or hexadecimal", () => {
    for (const url of [
      "https://2130706433/",
      "https://0177.0.0.1/",
      "https://0x7f.0.0.1/",
      "https://0x7f000001/",
      "https://127.1/",
    ]) {
      expect(
        ruleOf(() => parseEgressUrl(url, relaxed)),
        url,
      ).toBe("ip_literal_form");
    }
    expect(parseEgressUrl("https://93.184.215.14/", strict).ip).toBe(true);
  });

  it("refuses loopback, private and link-local IP literals unless loopback is allowed", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://10.1.2.3/",
      "https://169.254.169.254/",
      "https://[::1]/",
      "https://[::ffff:7f00:1]/",
    ]) {
      expect(
        ruleOf(() => parseEgressUrl(url, strict)),
        url,
      ).toBe("private_address");
      expect(
        ruleOf(() => parseEgressUrl(url, relaxed)),
        url,
      ).toBeUndefined();
    }
  });

  it("refuses dot segments and encoded slashes in the path, also percent-encoded", () => {
    expect(ruleOf(() => parseEgressUrl("https://api.stripe.com/v1/../admin", strict))).toBe("dot_segment");
    expect(ruleOf(() => parseEgressUrl("https://api.stripe.com/v1/%2e%2E/admin", strict))).toBe(
      "dot_segment",
    );
    expect(ruleOf(() => parseEgressUrl("https://api.stripe.com/v1/./x", strict))).toBe("dot_segment");
    expect(ruleOf(() => parseEgressUrl("https://api.stripe.com/v1%2Fadmin", strict))).toBe("encoded_slash");
    expect(ruleOf(() => parseEgressUrl("https://api.stripe.com/v1%5cadmin", strict))).toBe("encoded_slash");
    expect(ruleOf(() => parseEgressUrl("https://api.stripe.com/v1\\admin", strict))).toBe("encoded_slash");
  });

  it("requires https unless loopback is allowed", () => {
    expect(ruleOf(() => parseEgressUrl("http://api.stripe.com/", strict))).toBe("https_required");
    expect(ruleOf(() => parseEgressUrl("ftp://api.stripe.com/", relaxed))).toBe("https_required");
    expect(parseEgressUrl("http://127.0.0.1:8080/", relaxed).port).toBe(8080);
  });
});

describe("matching allowed destinations", () => {
  it("matches a host exactly, on its default port only", () => {
    expect(allowed("https://api.stripe.com/v1", ["api.stripe.com"])).toBe(true);
    expect(allowed("https://api.stripe.com:8443/v1", ["api.stripe.com"])).toBe(false);
    expect(allowed("https://api.stripe.com.evil.test/", ["api.stripe.com"])).toBe(false);
    expect(allowed("https://evilapi.stripe.com/", ["api.stripe.com"])).toBe(false);
  });

  it("matches subdomains (not the domain itself) for a wildcard entry", () => {
    expect(allowed("https://a.example.com/", ["*.example.com"])).toBe(true);
    expect(allowed("https://a.b.example.com/", ["*.example.com"])).toBe(true);
    expect(allowed("https://example.com/", ["*.example.com"])).toBe(false);
    expect(allowed("https://badexample.com/", ["*.example.com"])).toBe(false);
  });

  it("matches an explicit port and a path prefix on segment boundaries", () => {
    expect(allowed("https://api.example.com:8443/", ["api.example.com:8443"])).toBe(true);
    expect(allowed("https://api.example.com/v1", ["api.example.com/v1"])).toBe(true);
    expect(allowed("https://api.example.com/v1/charges", ["api.example.com/v1"])).toBe(true);
    expect(allowed("https://api.example.com/v1beta", ["api.example.com/v1"])).toBe(false);
    expect(allowed("https://api.example.com/%761/x", ["api.example.com/v1"])).toBe(false);
  });

  it("does not take a look-alike internationalised name for the real one", () => {
    expect(allowed("https://аpi.stripe.com/", ["api.stripe.com"])).toBe(false);
  });

  it("refuses a secret without allowed destinations, naming the rule and the secret", () => {
    const target = parseEgressUrl("https://api.stripe.com/", strict);
    expect(() => checkDestinationBinding(target, [{ key: "STRIPE", allowedDestinations: [] }])).toThrow(
      /rule "no_allowed_destinations": secret "STRIPE" has no allowed destinations/,
    );
    expect(() =>
      checkDestinationBinding(target, [
        { key: "STRIPE", allowedDestinations: ["api.stripe.com"] },
        { key: "GITHUB", allowedDestinations: ["api.github.com"] },
      ]),
    ).toThrow(
      /rule "destination_not_allowed": "api.stripe.com" is not among the allowed destinations of secret "GITHUB"/,
    );
  });
});

describe("classifying addresses", () => {
  it("knows loopback, private, link-local and mapped IPv6 forms, and public addresses", () => {
    expect(nonPublicKind("127.0.0.53")).toBe("loopback");
    expect(nonPublicKind("192.168.1.1")).toBe("private");
    expect(nonPublicKind("100.64.0.1")).toBe("shared (carrier-grade NAT)");
    expect(nonPublicKind("fe80::1")).toBe("link-local");
    expect(nonPublicKind("fd00::1")).toBe("private (unique local)");
    expect(nonPublicKind("::ffff:10.0.0.1")).toBe("private");
    expect(nonPublicKind("::ffff:a00:1")).toBe("private");
    expect(nonPublicKind("0.0.0.0")).toBe("unspecified");
    expect(nonPublicKind("8.8.8.8")).toBeUndefined();
    expect(nonPublicKind("2606:4700::1111")).toBeUndefined();
  });
});
