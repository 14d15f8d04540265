import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loginUrl, safeNext } from "../src/lib/api.ts";

const ORIGIN = "http://127.0.0.1:8080";
const FLEET = `${ORIGIN}/fleet`;

/** Where the browser ends up when the login page assigns the answer to `location`. */
const landing = (next: string | null) => new URL(safeNext(next, ORIGIN), `${ORIGIN}/login?next=x`);

describe("where login sends the user back to", () => {
  it("keeps own-origin destinations with their query and hash", () => {
    expect(safeNext("/fleet/h/c?range=1h", ORIGIN)).toBe(`${ORIGIN}/fleet/h/c?range=1h`);
    expect(safeNext("/audit", ORIGIN)).toBe(`${ORIGIN}/audit`);
    expect(safeNext("/audit?user=x#top", ORIGIN)).toBe(`${ORIGIN}/audit?user=x#top`);
    expect(safeNext(`${ORIGIN}/audit`, ORIGIN)).toBe(`${ORIGIN}/audit`);
    // Percent-escapes that stay inside the path are the server's to answer, on its own origin.
    expect(safeNext("/%09/evil.example", ORIGIN)).toBe(`${ORIGIN}/%09/evil.example`);
    expect(safeNext("/%2F%2Fevil.example", ORIGIN)).toBe(`${ORIGIN}/%2F%2Fevil.example`);
    // A path the parser normalises to start with `//` stays a path: the answer is absolute.
    expect(landing("/.//evil.example").href).toBe(`${ORIGIN}//evil.example`);
    expect(loginUrl("/audit?user=x")).toBe("/login?next=%2Faudit%3Fuser%3Dx");
  });

  it.each([
    null,
    undefined,
    "",
    // Protocol-relative and backslash forms.
    "//evil.example",
    "///evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    " //evil.example",
    // Tabs and newlines that the URL parser drops (what `%09`, `%0a`, `%0d` decode to).
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\t\\evil.example",
    "\\\t\\evil.example",
    // Other schemes and origins.
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example",
    "https://evil.example/fleet",
    "http://evil.example",
    "http://127.0.0.1:8080@evil.example",
    "//127.0.0.1:8080@evil.example/",
    "https:evil.example",
    "https:/evil.example",
    "http://127.0.0.1:8081/fleet",
    "https://127.0.0.1:8080/fleet",
    "ftp://127.0.0.1:8080/",
    // A blob: or filesystem: URL carries our origin inside another scheme.
    "blob:http://127.0.0.1:8080/abc",
    "BLOB:http://127.0.0.1:8080/abc",
    "http://[::1]:8080/",
    "http://localhost:8080/",
    // Loops back to the login page.
    "/login",
    "/login?next=/x",
    "/login/",
    `${ORIGIN}/login?next=//evil.example`,
  ])("sends %j to /fleet", (bad) => {
    expect(safeNext(bad, ORIGIN)).toBe(FLEET);
  });

  // As they appear in the address bar; the login page receives them decoded once, as here.
  it.each([
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%0D%0A/evil.example",
    "/%09%5Cevil.example",
    "%2F%09%2Fevil.example",
    "%2F%2Fevil.example",
    "%2f%5cevil.example",
    "%5C%5Cevil.example",
    "%09%2F%2Fevil.example",
    "javascript%3Aalert(1)",
    "java%09script:alert(1)",
    "https%3A%2F%2Fevil.example",
    "%68ttps://evil.example",
    "/%2Flogin",
  ])("sends next=%s to /fleet", (raw) => {
    expect(safeNext(new URLSearchParams(`next=${raw}`).get("next"), ORIGIN)).toBe(FLEET);
  });

  it("lands on the own origin whatever the input", () => {
    const hostile = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc
        .array(
          fc.constantFrom(
            "/",
            "\\",
            "\t",
            "\n",
            "\r",
            " ",
            ".",
            ":",
            "@",
            "%",
            "evil.example",
            "http",
            "javascript",
          ),
          { maxLength: 12 },
        )
        .map((parts) => parts.join("")),
      fc.webUrl(),
    );
    fc.assert(
      fc.property(hostile, (next) => {
        const url = landing(next);
        expect(url.origin).toBe(ORIGIN);
        expect(url.pathname.startsWith("/login")).toBe(false);
      }),
      { numRuns: 20_000 },
    );
  });
});
