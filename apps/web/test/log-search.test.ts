import { describe, expect, it } from "vitest";
import { compileSearch, findMatches } from "../src/lib/log-search.ts";

/** The same rules as the server's FTS5 search, so live lines agree with stored history. */
describe("log search", () => {
  const match = (text: string, q: string) => {
    const search = compileSearch(q);
    if (!search) throw new Error("empty query");
    return findMatches(text, search)?.map(([a, b]) => text.slice(a, b)) ?? null;
  };

  it("needs every word, in any order, as whole words, without case or accents", () => {
    expect(match("GET /index.html 200 took 3ms", "200 get")).toEqual(["GET", "200"]);
    expect(match("GET /index.html", "ind")).toBeNull();
    expect(match("Crème brûlée served", "creme BRULEE")).toEqual(["Crème", "brûlée"]);
    expect(match("GET /index.html", "get post")).toBeNull();
  });

  it("reads a word with punctuation as a phrase of its tokens", () => {
    expect(match("GET /index.html 200", "index.html")).toEqual(["index.html"]);
    expect(match("html then index", "index.html")).toBeNull();
  });

  it("marks every occurrence and treats operators and quotes as text", () => {
    expect(match("error: error", "ERROR")).toEqual(["error", "error"]);
    // Split on whitespace like the server: three words, each matched alone.
    expect(match('say "a OR b"', '"a OR b"')).toEqual(["a", "OR", "b"]);
    expect(compileSearch("  ** ")).toBeNull();
  });
});
