/**
 * Terminal escape sequences in log text: CSI (colours, cursor movement), OSC (titles, links)
 * and two-byte escapes. The dashboard renders SGR colours from them; search ignores them all.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
export const ANSI_ESCAPE = /\x1b(?:\[([0-9;:?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

/** The text as a terminal shows it, without escape sequences: what is searched and downloaded. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, "");
}
