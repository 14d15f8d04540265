import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isProtected, PROTECTED_LABEL, protectingLabels, writtenLabelText } from "../src/index.ts";

const UNPROTECTING = ["false", "0", "no", "off"];

/** The same word with each letter's case chosen by `upper`, and whitespace around it. */
const spelled = (word: string, upper: boolean[], before: string, after: string) =>
  before + [...word].map((ch, i) => (upper[i % upper.length] ? ch.toUpperCase() : ch)).join("") + after;

const whitespace = fc.constantFrom("", " ", "  ", "\t", "\n", "\r\n", "\u00a0");
const cases = fc.array(fc.boolean(), { minLength: 1, maxLength: 40 });

describe("the protected label", () => {
  it.each([
    ["true", true],
    ["TRUE", true],
    ["True", true],
    [" true", true],
    ["true ", true],
    ["1", true],
    ["yes", true],
    ["YES", true],
    ["on", true],
    ["", true],
    [" ", true],
    ["enabled", true],
    ["treu", true],
    ["false", false],
    ["FALSE", false],
    [" False ", false],
    ["0", false],
    [" 0\n", false],
    ["no", false],
    ["No", false],
    ["off", false],
    ["OFF", false],
  ])("value %j protects: %s", (value, expected) => {
    expect(isProtected({ [PROTECTED_LABEL]: value })).toBe(expected);
  });

  it.each([
    "com.docker.dashboard.protected",
    "com.docker.dashboard.Protected",
    "COM.DOCKER.DASHBOARD.PROTECTED",
    "Com.Docker.Dashboard.Protected",
    " com.docker.dashboard.protected",
  ])("key %j is the protected label", (key) => {
    expect(isProtected({ [key]: "true" })).toBe(true);
    expect(isProtected({ [key]: "" })).toBe(true);
    expect(isProtected({ [key]: "off" })).toBe(false);
  });

  it.each<Record<string, string>>([
    {},
    { "com.docker.dashboard": "true" },
    { "com.docker.dashboard.protected.note": "true" },
    { "com.docker.dashboard.protectedx": "true" },
    { "org.example.protected": "true" },
  ])("other labels do not protect: %j", (labels) => {
    expect(isProtected(labels)).toBe(false);
  });

  it("fails closed when two spellings of the key disagree", () => {
    const labels = { [PROTECTED_LABEL]: "false", "com.docker.dashboard.Protected": "TRUE" };
    expect(isProtected(labels)).toBe(true);
    expect(protectingLabels(labels)).toEqual([{ key: "com.docker.dashboard.Protected", value: "TRUE" }]);
  });

  it("reads labels rebuilt into a null-prototype object, as the protocol's Labels schema makes them", () => {
    const labels = Object.assign(Object.create(null) as Record<string, string>, { [PROTECTED_LABEL]: "1" });
    expect(isProtected(labels)).toBe(true);
  });

  it("shows the label as written, spaces and control characters visible", () => {
    expect(writtenLabelText({ key: "com.docker.dashboard.Protected", value: " true" })).toBe(
      'com.docker.dashboard.Protected=" true"',
    );
    expect(writtenLabelText({ key: PROTECTED_LABEL, value: "" })).toBe(`${PROTECTED_LABEL}=""`);
  });

  it("only false, 0, no and off, in any case and with any whitespace around, leave it off", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...UNPROTECTING), fc.string({ maxLength: 8 })),
        cases,
        whitespace,
        whitespace,
        cases,
        (word, valueCase, before, after, keyCase) => {
          const value = spelled(word, valueCase, before, after);
          const key = spelled(PROTECTED_LABEL, keyCase, "", "");
          const off = UNPROTECTING.includes(value.trim().toLowerCase());
          expect(isProtected({ other: "false", [key]: value })).toBe(!off);
          expect(protectingLabels({ [key]: value })).toEqual(off ? [] : [{ key, value }]);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
