/**
 * Log search as the server does it (SQLite FTS5, `unicode61` tokenizer): the query is split on
 * whitespace into words; a word is a phrase of tokens (runs of letters and digits), compared
 * without case or accents; a line matches when every word's tokens occur in it one after the
 * other. Live lines are filtered and highlighted with this too, so they agree with history.
 */

export type Range = readonly [start: number, end: number];

/** A compiled query: one token list per word. */
export type LogSearch = readonly (readonly string[])[];

interface Token {
  text: string;
  start: number;
  end: number;
}

const TOKEN = /[\p{L}\p{N}]+/gu;

function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

function tokenize(text: string): Token[] {
  return Array.from(text.matchAll(TOKEN), (m) => ({
    text: fold(m[0]),
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** Null when the query has no searchable word (then nothing is filtered). */
export function compileSearch(q: string): LogSearch | null {
  const words = q
    .split(/\s+/)
    .map((w) => tokenize(w).map((t) => t.text))
    .filter((w) => w.length > 0);
  return words.length > 0 ? words : null;
}

/** The ranges of `text` that match, or null when some word does not occur in it. */
export function findMatches(text: string, search: LogSearch): Range[] | null {
  const tokens = tokenize(text);
  const ranges: Range[] = [];
  for (const word of search) {
    let found = false;
    for (let i = 0; i + word.length <= tokens.length; i++) {
      if (!word.every((w, j) => tokens[i + j]?.text === w)) continue;
      const first = tokens[i];
      const last = tokens[i + word.length - 1];
      if (first && last) ranges.push([first.start, last.end]);
      found = true;
    }
    if (!found) return null;
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}
