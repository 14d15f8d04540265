import { findLogMatches } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { compileSearch } from "../src/lib/log-search.ts";

/** The server's rules (one implementation in the protocol package), so live lines agree with stored history. */
describe("log search", () => {
  const match = (text: string, q: string, how: { match?: string; case?: string } = {}) => {
    const search = compileSearch({ q, match: how.match ?? "prefix", case: how.case ?? "insensitive" });
    if (!search) throw new Error("empty query");
    return findLogMatches(text, search)?.map(([a, b]) => text.slice(a, b)) ?? null;
  };

  it("needs every word, in any order, at the start of a word, without case or accents", () => {
    expect(match("GET /index.html 200 took 3ms", "200 get")).toEqual(["GET", "200"]);
    expect(match("upstream timeout from payment-gateway", "time pay")).toEqual(["time", "pay"]);
    expect(match("GET /index.html", "ndex")).toBeNull();
    expect(match("Crème brûlée served", "creme BRULEE")).toEqual(["Crème", "brûlée"]);
    expect(match("GET /index.html", "get post")).toBeNull();
  });

  it("finds any part of a word with match=substring", () => {
    expect(match("upstream timeout from payment-gateway", "meout ment-gate", { match: "substring" })).toEqual(
      ["meout", "ment-gate"],
    );
  });

  it("requires the case as typed when case-sensitive", () => {
    expect(match("RUNTIME Timeout", "Time", { case: "sensitive" })).toEqual(["Time"]);
    expect(match("RUNTIME Timeout", "time", { case: "sensitive" })).toBeNull();
    expect(match("RUNTIME Timeout", "UNTIME", { match: "substring", case: "sensitive" })).toEqual(["UNTIME"]);
  });

  it("marks every occurrence and treats operators and quotes as text", () => {
    expect(match("error: error", "ERROR")).toEqual(["error", "error"]);
    expect(match('say "a OR b"', '"a OR b"')).toEqual(['"a', "OR", 'b"']);
    expect(match("NEAR(a b)", "NEAR(a")).toEqual(["NEAR(a"]);
    expect(compileSearch({ q: "   ", match: "prefix", case: "insensitive" })).toBeNull();
  });
});
