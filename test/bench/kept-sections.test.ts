import { describe, expect, it } from "vitest";
import { withFigure } from "../../bench/report/kept-sections.ts";

const REPORT = [
  "# Crowsnest benchmarks",
  "",
  "## 7. Storage",
  "",
  "old storage table",
  "",
  "## 7b. Log search",
  "",
  "old search table",
  "",
  "<!-- section:cluster -->",
  "## 8. Scale-out",
  "<!-- /section:cluster -->",
  "",
].join("\n");

describe("withFigure: a suite run alone replaces its own figure", () => {
  it("replaces the figure of the same number up to the next heading, and nothing else", () => {
    const out = withFigure(REPORT, ["## 7. Storage", "", "new storage table", ""]);
    expect(out).toContain("new storage table");
    expect(out).not.toContain("old storage table");
    expect(out).toContain("## 7b. Log search\n\nold search table");
    expect(withFigure(out, ["## 7b. Log search", "", "new search table"])).toMatch(
      /new storage table\n\n## 7b\. Log search\n\nnew search table\n\n<!-- section:cluster -->/,
    );
  });

  it("refuses a figure the report does not have", () => {
    expect(() => withFigure(REPORT, ["## 9. Nothing", ""])).toThrow(/no figure 9/);
  });
});
