/**
 * Sections of BENCHMARKS.md that something other than `npm run bench` measures (the container
 * images, by test/deploy), each between `<!-- section:NAME -->` and `<!-- /section:NAME -->`:
 * regenerating the report carries them over.
 */
const SECTION = /<!-- section:([a-z-]+) -->\n[\s\S]*?<!-- \/section:\1 -->\n/g;

/** `markdown` with the section `name` holding `body`: replaced where it is, else appended. */
export function withSection(markdown: string, name: string, body: string): string {
  const block = `<!-- section:${name} -->\n${body.trimEnd()}\n<!-- /section:${name} -->\n`;
  const current = [...markdown.matchAll(SECTION)].find((m) => m[1] === name);
  if (current === undefined) return `${markdown.trimEnd()}\n\n${block}`;
  return markdown.slice(0, current.index) + block + markdown.slice(current.index + current[0].length);
}

/** The freshly generated report with the previous report's kept sections appended. */
export function keepSections(fresh: string, previous: string): string {
  let out = fresh;
  for (const m of previous.matchAll(SECTION)) {
    if (!out.includes(`<!-- section:${m[1]} -->`)) out = `${out.trimEnd()}\n\n${m[0]}`;
  }
  return out;
}

/**
 * `markdown` with one generated figure replaced: `figure` is the figure's lines as the report
 * makes them, its first line the heading (`## 7. Storage …`); the old figure runs from the heading
 * with the same number (`## 7.`) to the next `## ` heading or kept section. A suite run alone
 * (`--only storage`) so updates its own figures and leaves the others as they were measured.
 * Throws when the report has no figure of that number.
 */
export function withFigure(markdown: string, figure: readonly string[]): string {
  const number = /^## ([0-9]+[a-z]?)\. /.exec(figure[0] ?? "")?.[1];
  if (number === undefined) throw new Error(`not a figure heading: ${figure[0]}`);
  const start = markdown.search(new RegExp(`^## ${number}\\. `, "m"));
  if (start < 0) throw new Error(`BENCHMARKS.md has no figure ${number}`);
  const rest = markdown.slice(start + 1);
  const next = rest.search(/^(## |<!-- section:)/m);
  const end = next < 0 ? markdown.length : start + 1 + next;
  return `${markdown.slice(0, start)}${figure.join("\n").trimEnd()}\n\n${markdown.slice(end)}`;
}
