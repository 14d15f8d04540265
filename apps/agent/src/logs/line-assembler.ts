import { LIMITS } from "@crowsnest/protocol";

export const TRUNCATION_MARKER = " …[truncated]";

/** A complete log line: Docker's timestamp of its first entry and its text, ready for the wire. */
export interface AssembledLine {
  ts: string;
  text: string;
  truncated: boolean;
}

const TS_MAX_CHARS = 40;
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Turns one stream of `timestamps=1` log output ("<RFC3339Nano> <text>\n" ...) into lines.
 *
 * Bytes beyond LIMITS.logLineBytes are skipped until the newline. That also skips the
 * timestamps Docker puts in front of each 16 KiB piece of a long line (its json-file driver
 * stores a long line as several partial entries), which matters for TTY streams where the
 * pieces arrive without frame boundaries.
 */
export class LineAssembler {
  readonly #onLine: (line: AssembledLine) => void;
  readonly #stripCr: boolean;
  readonly #maxBytes: number;
  #inTimestamp = true;
  #ts = "";
  #parts: Buffer[] = [];
  #size = 0;
  #truncated = false;

  /** stripCr: TTY output ends lines with \r\n. */
  constructor(
    onLine: (line: AssembledLine) => void,
    stripCr: boolean,
    maxBytes: number = LIMITS.logLineBytes,
  ) {
    this.#onLine = onLine;
    this.#stripCr = stripCr;
    this.#maxBytes = maxBytes;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#inTimestamp) {
        const space = chunk.indexOf(0x20, offset);
        const end = space < 0 ? chunk.length : space;
        this.#ts += chunk.toString("latin1", offset, end);
        if (this.#ts.length > TS_MAX_CHARS) throw new Error("log stream has no timestamp prefix");
        if (space < 0) return;
        offset = space + 1;
        this.#inTimestamp = false;
        continue;
      }
      const newline = chunk.indexOf(0x0a, offset);
      const end = newline < 0 ? chunk.length : newline;
      this.#append(chunk.subarray(offset, end));
      if (newline < 0) return;
      this.#emit();
      offset = newline + 1;
    }
  }

  /** Emits a last line that had no newline when the stream ended (a container's final partial write). */
  end(): void {
    if (!this.#inTimestamp) this.#emit();
  }

  #append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = this.#maxBytes - this.#size;
    if (bytes.length > room) this.#truncated = true;
    if (room <= 0) return;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.#parts.push(kept);
    this.#size += kept.length;
  }

  #emit(): void {
    let bytes = this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts);
    if (this.#truncated) bytes = bytes.subarray(0, utf8Boundary(bytes, bytes.length));
    else if (this.#stripCr && bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    const text = decoder.decode(bytes) + (this.#truncated ? TRUNCATION_MARKER : "");
    this.#onLine({ ts: this.#ts, text, truncated: this.#truncated });
    this.#inTimestamp = true;
    this.#ts = "";
    this.#parts = [];
    this.#size = 0;
    this.#truncated = false;
  }
}

/** The largest cut ≤ limit that does not split a UTF-8 sequence (a cut one would decode as U+FFFD). */
export function utf8Boundary(bytes: Uint8Array, limit: number): number {
  let lead = limit - 1;
  let continuation = 0;
  while (lead >= 0 && continuation < 3 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) {
    lead--;
    continuation++;
  }
  if (lead < 0) return limit;
  const first = bytes[lead] ?? 0;
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return lead + length > limit ? lead : limit;
}
