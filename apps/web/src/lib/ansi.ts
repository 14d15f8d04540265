/**
 * A small ANSI SGR parser. Log text is turned into styled segments that the UI renders as
 * text nodes inside spans; it is never interpreted as HTML. Escape sequences other than
 * SGR (cursor movement, OSC titles, ...) are removed.
 */
import { ANSI_ESCAPE } from "@crowsnest/protocol";

export interface AnsiStyle {
  /** 0-15: a palette colour the theme defines; a string: an exact CSS colour (256-colour or truecolour). */
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

export function parseAnsi(input: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  for (const m of input.matchAll(ANSI_ESCAPE)) {
    if (m.index > last) push(segments, input.slice(last, m.index), style);
    last = m.index + m[0].length;
    if (m[2] === "m") style = applySgr(style, m[1] ?? "");
  }
  if (last < input.length) push(segments, input.slice(last), style);
  return segments;
}

function push(segments: AnsiSegment[], text: string, style: AnsiStyle): void {
  // Other C0 control characters (except tab) would render as boxes; drop them.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: see above
  const clean = text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
  if (clean === "") return;
  const prev = segments[segments.length - 1];
  if (prev && sameStyle(prev.style, style)) prev.text += clean;
  else segments.push({ text: clean, style });
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse
  );
}

export function applySgr(current: AnsiStyle, params: string): AnsiStyle {
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  const style: AnsiStyle = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0;
    if (code === 0) {
      for (const key of Object.keys(style) as (keyof AnsiStyle)[]) delete style[key];
    } else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 7) style.inverse = true;
    else if (code === 22) {
      delete style.bold;
      delete style.dim;
    } else if (code === 23) delete style.italic;
    else if (code === 24) delete style.underline;
    else if (code === 27) delete style.inverse;
    else if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code === 39) delete style.fg;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    else if (code === 49) delete style.bg;
    else if (code === 38 || code === 48) {
      const { colour, consumed } = extendedColour(codes, i + 1);
      i += consumed;
      if (colour !== undefined) {
        if (code === 38) style.fg = colour;
        else style.bg = colour;
      }
    }
  }
  return style;
}

function extendedColour(
  codes: number[],
  at: number,
): { colour: number | string | undefined; consumed: number } {
  const mode = codes[at];
  if (mode === 5) {
    const n = codes[at + 1];
    if (n === undefined || n < 0 || n > 255) return { colour: undefined, consumed: 2 };
    return { colour: n < 16 ? n : xterm256(n), consumed: 2 };
  }
  if (mode === 2) {
    const [r, g, b] = [codes[at + 1], codes[at + 2], codes[at + 3]];
    if ([r, g, b].some((v) => v === undefined || v < 0 || v > 255)) return { colour: undefined, consumed: 4 };
    return { colour: `rgb(${r}, ${g}, ${b})`, consumed: 4 };
  }
  return { colour: undefined, consumed: 0 };
}

/** The xterm 256-colour palette entries 16-255 as CSS colours. */
export function xterm256(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = n - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  const r = steps[Math.floor(i / 36)] ?? 0;
  const g = steps[Math.floor(i / 6) % 6] ?? 0;
  const b = steps[i % 6] ?? 0;
  return `rgb(${r}, ${g}, ${b})`;
}

export interface HighlightedPiece {
  text: string;
  style: AnsiStyle;
  match: boolean;
}

/** Splits styled segments further where the given ranges of their joined text lie (search matches). */
export function highlight(
  segments: AnsiSegment[],
  ranges: readonly (readonly [number, number])[],
): HighlightedPiece[] {
  if (ranges.length === 0) return segments.map((s) => ({ ...s, match: false }));
  const full = segments.map((s) => s.text).join("");
  const out: HighlightedPiece[] = [];
  let offset = 0;
  for (const seg of segments) {
    const segEnd = offset + seg.text.length;
    let cut = offset;
    for (const [a, b] of ranges) {
      if (b <= cut || a >= segEnd) continue;
      const start = Math.max(a, cut);
      const end = Math.min(b, segEnd);
      if (start > cut) out.push({ text: full.slice(cut, start), style: seg.style, match: false });
      out.push({ text: full.slice(start, end), style: seg.style, match: true });
      cut = end;
    }
    if (cut < segEnd) out.push({ text: full.slice(cut, segEnd), style: seg.style, match: false });
    offset = segEnd;
  }
  return out;
}
