import { compileLogSearch, LOG_WORD, stripAnsi } from "@crowsnest/protocol";

/**
 * A word longer than this is indexed (and asked for) by its first WORD_CHARS characters only: a
 * prefix of a prefix still finds a superset, and PostgreSQL refuses lexemes over 2,047 bytes.
 */
const WORD_CHARS = 64;

/**
 * Text as the search compares it: without ANSI codes, lower-cased without accents when `fold`,
 * by the rule `findLogMatches` applies (`compileLogSearch` folds its words with it; reused here so
 * that there is one rule).
 */
function compared(text: string): string {
  return compileLogSearch([text], "prefix", false)?.keys[0] ?? "";
}

/**
 * The distinct words of a log line as the index holds them (column `words`, a tsvector of these
 * lexemes without positions), joined by spaces: the line as it reads (ANSI codes stripped), case
 * and accents folded, cut into runs of letters and digits of at most WORD_CHARS characters.
 */
export function lineWords(text: string): string {
  const words = new Set<string>();
  for (const match of compared(stripAnsi(text)).matchAll(LOG_WORD)) words.add(match[0].slice(0, WORD_CHARS));
  return [...words].join(" ");
}

/**
 * The tsquery (in PostgreSQL's tsquery input syntax) that finds the lines where every token of
 * every word begins a word of the line: a superset of a prefix search's lines (no positions are
 * kept, so "payment-gate" finds lines with "payment" and "gate…" anywhere), which the caller narrows
 * with `findLogMatches`. Case and accents are folded whatever the search asks (the index holds
 * folded words: a superset again). Tokens hold only letters and digits, so quoting each one keeps
 * any input from being read as query syntax. Null when no word has a token.
 */
export function prefixQuery(words: readonly string[]): string | null {
  const tokens = words.flatMap((word) =>
    Array.from(compared(word).matchAll(LOG_WORD), (m) => m[0].slice(0, WORD_CHARS)),
  );
  return tokens.length > 0 ? tokens.map((token) => `'${token}':*`).join(" & ") : null;
}
