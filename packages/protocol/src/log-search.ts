import { z } from "zod";

/**
 * Log search, one set of rules for the server (it filters the search index's candidates with them)
 * and the dashboard (live lines and highlights): the query is split on whitespace into words, all
 * of which must appear in the line as it reads (ANSI codes stripped by the caller). `prefix`: each
 * word at the start of a word of the line (`time` finds `timeout`, `pay` finds `payment-gateway`,
 * not `repay`); `substring`: anywhere (`meout`). Without `caseSensitive`, case and accents are
 * ignored (`creme` finds `Crème`); with it, the word is required exactly as typed. Quotes and
 * operators are text like any other.
 */
export const LogMatch = z.enum(["prefix", "substring"]);
export type LogMatch = z.infer<typeof LogMatch>;

/** A compiled search: its words, and the words as compared (folded unless case-sensitive). */
export interface LogSearch {
  words: readonly string[];
  match: LogMatch;
  caseSensitive: boolean;
  keys: readonly string[];
}

/** A matched part of a line: [start, end) in UTF-16 code units. */
export type Range = readonly [start: number, end: number];

/**
 * A word of a line as the search reads it: a run of letters and digits. The stores' word indexes cut
 * text into these (matchAll needs the `g` flag), so that they find a superset of what this matches.
 */
export const LOG_WORD = /[\p{L}\p{N}]+/gu;
const WORD_START = /^[\p{L}\p{N}]/u;
const WORD_END = /[\p{L}\p{N}]$/u;
const ASCII = /^[ -~]*$/;

/** The words of a query typed as text: split on whitespace. */
export function logSearchWords(q: string): string[] {
  return q.split(/\s+/).filter((word) => word !== "");
}

/** Null when there is no word (then nothing is filtered). */
export function compileLogSearch(
  words: readonly string[],
  match: LogMatch = "prefix",
  caseSensitive = false,
): LogSearch | null {
  if (words.length === 0) return null;
  return { words, match, caseSensitive, keys: caseSensitive ? words : words.map((w) => folded(w).text) };
}

/** The ranges of `text` that match, sorted, or null when some word does not occur in it. */
export function findLogMatches(text: string, search: LogSearch): Range[] | null {
  const hay = search.caseSensitive ? { text, at: null } : folded(text);
  const origin = (i: number) => (hay.at ? (hay.at[i] ?? text.length) : i);
  const ranges: Range[] = [];
  for (const key of search.keys) {
    if (key === "") continue;
    const atWordStart = search.match === "prefix" && WORD_START.test(key);
    let found = false;
    for (let i = hay.text.indexOf(key); i !== -1; i = hay.text.indexOf(key, i + 1)) {
      if (atWordStart && WORD_END.test(hay.text.slice(Math.max(0, i - 2), i))) continue;
      ranges.push([origin(i), origin(i + key.length)]);
      found = true;
    }
    if (!found) return null;
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

/** Lower-cased without accents, with each folded position's origin in `text` (null: the same). */
function folded(text: string): { text: string; at: number[] | null } {
  if (ASCII.test(text)) return { text: text.toLowerCase(), at: null };
  let out = "";
  const at: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = ch.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    for (let k = 0; k < f.length; k++) at.push(i);
    out += f;
    i += ch.length;
  }
  at.push(i);
  return { text: out, at };
}
