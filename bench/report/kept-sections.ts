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
 * Hand-written notes inside a generated figure (the history of earlier measurements the prose
 * refers to), between `<!-- notes:NAME -->` and `<!-- /notes:NAME -->`: the block as `markdown`
 * has it, markers included, or an empty block when it has none. A figure that prints this block
 * keeps its notes when it is regenerated.
 */
export function keptNotes(markdown: string, name: string): string {
  const found = new RegExp(`<!-- notes:${name} -->\\n[\\s\\S]*?<!-- /notes:${name} -->`).exec(markdown);
  return found?.[0] ?? `<!-- notes:${name} -->\n<!-- /notes:${name} -->`;
}
