import { compileLogSearch, type LogSearch, logSearchWords } from "@crowsnest/protocol";

/** A log search as the URL keeps it: the words typed, where they may occur, and case. */
export interface SearchState {
  q: string;
  /** "substring" (anywhere), or anything else for the start of a word. */
  match: string;
  /** "sensitive", or anything else to ignore case. */
  case: string;
}

/**
 * The search the server runs for this state, by the same rules (`findLogMatches` in the
 * protocol package), so live lines are filtered and highlighted as stored ones are found.
 * Null when there is no word (then nothing is filtered).
 */
export function compileSearch(s: SearchState): LogSearch | null {
  return compileLogSearch(
    logSearchWords(s.q),
    s.match === "substring" ? "substring" : "prefix",
    s.case === "sensitive",
  );
}
