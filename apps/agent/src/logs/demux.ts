/** Docker's stream ids in the 8-byte frame header of a non-TTY attach/logs stream. */
export type FrameStream = "stdin" | "stdout" | "stderr" | "system";

const STREAMS: readonly FrameStream[] = ["stdin", "stdout", "stderr", "system"];
const HEADER_BYTES = 8;

/**
 * Splits Docker's multiplexed stream ([stream, 0, 0, 0, size32be] + payload, repeated) into
 * payload pieces per stream. Pieces are handed on as they arrive, so a frame is never buffered
 * whole; `frameEnd` is true on the piece that completes its frame (one of Docker's log messages).
 */
export class Demuxer {
  readonly #onData: (stream: FrameStream, payload: Buffer, frameEnd: boolean) => void;
  #header = Buffer.alloc(HEADER_BYTES);
  #headerFill = 0;
  #stream: FrameStream = "stdout";
  #remaining = 0;

  constructor(onData: (stream: FrameStream, payload: Buffer, frameEnd: boolean) => void) {
    this.#onData = onData;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining === 0) {
        const take = Math.min(HEADER_BYTES - this.#headerFill, chunk.length - offset);
        chunk.copy(this.#header, this.#headerFill, offset, offset + take);
        this.#headerFill += take;
        offset += take;
        if (this.#headerFill < HEADER_BYTES) return;
        this.#headerFill = 0;
        const id = this.#header[0] ?? 0;
        const stream = STREAMS[id];
        if (stream === undefined) throw new Error(`log stream is not multiplexed: frame type ${id}`);
        this.#stream = stream;
        this.#remaining = this.#header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.#remaining, chunk.length - offset);
      this.#remaining -= take;
      this.#onData(this.#stream, chunk.subarray(offset, offset + take), this.#remaining === 0);
      offset += take;
    }
  }

  /** True when the stream stopped in the middle of a frame. */
  get incomplete(): boolean {
    return this.#remaining > 0 || this.#headerFill > 0;
  }
}
