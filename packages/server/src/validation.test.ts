import { describe, expect, it } from "vitest";
import { ValidationError } from "./errors.ts";
import { validateDestinations, validateSecretKey } from "./validation.ts";

describe("secret keys", () => {
  it("accepts segmented keys up to 256 characters", () => {
    for (const key of ["STRIPE_API_KEY", "payments/db", "a-b/c_d/E9", "A".repeat(256)]) {
      expect(validateSecretKey(key)).toBe(key);
    }
  });

  it("rejects keys that break a rule, naming the rule", () => {
    expect(() => validateSecretKey(undefined)).toThrow("Secret key is required");
    expect(() => validateSecretKey("9lives")).toThrow(/must start with a letter/);
    expect(() => validateSecretKey("a/../b")).toThrow(/segment "\.\." must start with a letter/);
    expect(() => validateSecretKey("trailing/")).toThrow(/must not start or end with/);
    expect(() => validateSecretKey("emoji😀")).toThrow(ValidationError);
  });
});

describe("allowed destinations", () => {
  it("normalises case and trailing dots, and removes duplicates", () => {
    expect(
      validateDestinations(["API.Stripe.COM.", "api.stripe.com", "*.Example.com", "host:8443", "h.io/v1/"]),
    ).toEqual(["api.stripe.com", "*.example.com", "host:8443", "h.io/v1/"]);
  });

  it("rejects URLs with a scheme and other junk", () => {
    for (const bad of ["https://api.stripe.com", "a b", "", "user@host", "*"]) {
      expect(() => validateDestinations([bad])).toThrow(/must be a host name/);
    }
  });
});
