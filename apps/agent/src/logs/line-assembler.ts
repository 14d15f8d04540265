import { LIMITS, logCutMarker } from "@crowsnest/protocol/agent";

/** A complete log line: Docker's timestamp of its first piece and its text, ready for the wire. */
export interface AssembledLine {
  ts: string;
  text: string;
  truncated: boolean;
}

/**
 * The size of the partial messages Docker splits a long line into (its log copier's 16 KiB
 * buffer, daemon/logger/copier.go): every piece but a line's last holds exactly this many bytes.
 */
export const DOCKER_PIECE_BYTES = 16 * 1024;

const TS_MAX_CHARS = 40;
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Turns one stream of `timestamps=1` log output ("<RFC3339Nano> <text>\n" ...) into lines.
 *
 * Docker stores a line longer than 16 KiB as several partial messages and returns each with its
 * own timestamp prefix; on Engine 20.10 (API 1.41) the /logs stream carries no partial flag, so a
 * piece that does not end in "\n" is partial and the next piece continues the same line: its
 * timestamp is dropped and the line keeps its first piece's. Where a piece ends: at the end of its
 * frame for a multiplexed stream (the caller says so with `push(chunk, true)`), and after
 * DOCKER_PIECE_BYTES of text for a TTY's raw stream, which has no frames.
 *
 * A joined line is kept whole up to `maxBytes` (LIMITS.logLineBytes, 256 KiB); the rest of a longer
 * one is counted, not kept, and its text ends with `logCutMarker(original length)`.
 */
export class LineAssembler {
  readonly #onLine: (line: AssembledLine) => void;
  readonly #tty: boolean;
  readonly #maxBytes: number;
  #inTimestamp = true;
  /** The timestamp being read: the line's own for its first piece, discarded for the others. */
  #pieceTs = "";
  #ts = "";
  /** The current line began in an earlier piece. */
  #continued = false;
  #pieceBytes = 0;
  #parts: Buffer[] = [];
  #size = 0;
  #originalBytes = 0;
  #lastByte = 0;

  /** tty: the container's raw TTY stream (lines end with \r\n, pieces are not framed). */
  constructor(onLine: (line: AssembledLine) => void, tty: boolean, maxBytes: number = LIMITS.logLineBytes) {
    this.#onLine = onLine;
    this.#tty = tty;
    this.#maxBytes = maxBytes;
  }

  /** pieceEnd: the chunk ends one of Docker's messages (the end of a frame of a multiplexed stream). */
  push(chunk: Buffer, pieceEnd = false): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#inTimestamp) {
        const space = chunk.indexOf(0x20, offset);
        const end = space < 0 ? chunk.length : space;
        this.#pieceTs += chunk.toString("latin1", offset, end);
        if (this.#pieceTs.length > TS_MAX_CHARS) throw new Error("log stream has no timestamp prefix");
        if (space < 0) break;
        if (!this.#continued) this.#ts = this.#pieceTs;
        this.#pieceTs = "";
        this.#pieceBytes = 0;
        offset = space + 1;
        this.#inTimestamp = false;
        continue;
      }
      const newline = chunk.indexOf(0x0a, offset);
      let end = newline < 0 ? chunk.length : newline;
      if (this.#tty) end = Math.min(end, offset + DOCKER_PIECE_BYTES - this.#pieceBytes);
      this.#append(chunk.subarray(offset, end));
      this.#pieceBytes += end - offset;
      offset = end;
      if (end === newline) {
        this.#emit();
        offset++;
      } else if (this.#tty && this.#pieceBytes === DOCKER_PIECE_BYTES) {
        this.#pieceEnded();
      }
    }
    if (pieceEnd && !this.#inTimestamp) this.#pieceEnded();
  }

  /** Emits a last line that had no newline when the stream ended (a container's final partial write). */
  end(): void {
    if (!this.#inTimestamp || this.#continued) this.#emit();
  }

  /** A piece ended without a newline: the line goes on in the next piece, after its timestamp. */
  #pieceEnded(): void {
    this.#inTimestamp = true;
    this.#continued = true;
  }

  #append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#originalBytes += bytes.length;
    this.#lastByte = bytes[bytes.length - 1] ?? 0;
    const room = this.#maxBytes - this.#size;
    if (room <= 0) return;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.#parts.push(kept);
    this.#size += kept.length;
  }

  #emit(): void {
    let bytes = this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts);
    // A TTY ends its lines with \r\n; the \r is not part of the line.
    const cr = this.#tty && this.#originalBytes > 0 && this.#lastByte === 0x0d;
    const original = this.#originalBytes - (cr ? 1 : 0);
    const truncated = original > this.#maxBytes;
    if (truncated) bytes = bytes.subarray(0, utf8Boundary(bytes, this.#maxBytes));
    else if (cr) bytes = bytes.subarray(0, original);
    const text = decoder.decode(bytes) + (truncated ? logCutMarker(original) : "");
    this.#onLine({ ts: this.#ts, text, truncated });
    this.#inTimestamp = true;
    this.#continued = false;
    this.#pieceTs = "";
    this.#ts = "";
    this.#parts = [];
    this.#size = 0;
    this.#originalBytes = 0;
    this.#lastByte = 0;
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
