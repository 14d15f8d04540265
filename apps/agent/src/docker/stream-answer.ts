import net from "node:net";
import type { DockerEndpoint } from "./docker-host.ts";

/** A streamed answer: its status, and its body read off the connection as it comes. */
export interface StreamAnswer {
  status: number;
  /** Read once; ends with the answer, and closes the connection when the reader stops early. */
  body: AsyncIterable<Buffer>;
  /** Closes the connection (the body, if still read, ends with an error). */
  close(): void;
}

/** The most a status line and headers may take before the answer counts as broken. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line is hex digits and optional extensions; far shorter than this. */
const MAX_CHUNK_LINE_BYTES = 1024;

/**
 * Sends one HTTP/1.1 GET on a connection of its own and resolves once the answer's head arrived.
 * Each log follower and stats or events stream of the agent holds one of these for as long as the
 * container runs, so it is a plain socket and the small reader below rather than node:http's client
 * request, response, parser and stream (about 16 KiB less per stream; BENCHMARKS.md, "Agent
 * footprint"). The Engine answers a stream with a chunked body; a `Content-Length` or a body up to
 * the connection's end are read too. Rejects when no answer came (refused, reset, aborted).
 */
export async function openStream(
  endpoint: DockerEndpoint,
  target: string,
  signal: AbortSignal,
): Promise<StreamAnswer> {
  const socket =
    endpoint.kind === "unix" ? net.connect(endpoint.socketPath) : net.connect(endpoint.port, endpoint.host);
  const abort = () => socket.destroy(signal.reason as Error);
  if (signal.aborted) abort();
  else signal.addEventListener("abort", abort, { once: true });
  socket.once("close", () => signal.removeEventListener("abort", abort));
  socket.write(`GET ${target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n`);
  const reader = new Reader(chunksOf(socket));
  try {
    const head = await reader.head();
    const body = head.chunked
      ? reader.chunked()
      : head.length !== null
        ? reader.counted(head.length)
        : reader.rest();
    return { status: head.status, body: closing(body, socket), close: () => socket.destroy() };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/**
 * The socket's chunks, one at a time: the socket is paused while a chunk waits to be read, so a
 * slow reader slows the Engine down (backpressure). Lighter than a Readable's async iterator, whose
 * end-of-stream listeners and promises each follower would hold as long as it runs.
 */
function chunksOf(socket: net.Socket): AsyncIterator<Buffer> {
  const queued: Buffer[] = [];
  let ended = false;
  let failed: Error | null = null;
  let wake: (() => void) | null = null;
  const woken = () => {
    wake?.();
    wake = null;
  };
  socket.on("data", (chunk: Buffer) => {
    queued.push(chunk);
    socket.pause();
    woken();
  });
  socket.on("end", () => {
    ended = true;
    woken();
  });
  socket.on("error", (err) => {
    failed = err;
    woken();
  });
  socket.on("close", () => {
    ended = true;
    woken();
  });
  return {
    async next(): Promise<IteratorResult<Buffer>> {
      for (;;) {
        const chunk = queued.shift();
        if (chunk !== undefined) return { done: false, value: chunk };
        if (failed !== null) throw failed;
        if (ended) return { done: true, value: undefined };
        socket.resume();
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}

/** The body, with the connection closed however its reading ends. */
async function* closing(body: AsyncGenerator<Buffer>, socket: net.Socket): AsyncGenerator<Buffer> {
  try {
    yield* body;
  } finally {
    socket.destroy();
  }
}

interface Head {
  status: number;
  chunked: boolean;
  /** Content-Length, or null when the body runs to the connection's end. */
  length: number | null;
}

/** Reads an HTTP/1.1 answer off a socket's chunks: the head, then the body as its framing says. */
class Reader {
  readonly #chunks: AsyncIterator<Buffer>;
  /** Read off the socket, not handed over yet. */
  #buffered: Buffer = Buffer.alloc(0);

  constructor(chunks: AsyncIterator<Buffer>) {
    this.#chunks = chunks;
  }

  async head(): Promise<Head> {
    let end = this.#buffered.indexOf("\r\n\r\n");
    while (end < 0) {
      if (this.#buffered.length > MAX_HEAD_BYTES) throw new Error("the answer's head is too long");
      await this.#more("the connection closed before an answer");
      end = this.#buffered.indexOf("\r\n\r\n");
    }
    const [statusLine = "", ...fields] = this.#buffered.subarray(0, end).toString("latin1").split("\r\n");
    this.#buffered = this.#buffered.subarray(end + 4);
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)?.[1];
    if (status === undefined)
      throw new Error(`not an HTTP/1.1 answer: ${JSON.stringify(statusLine.slice(0, 80))}`);
    const headers = new Map<string, string>();
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon > 0) headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
    }
    const length = headers.get("content-length");
    if (length !== undefined && !/^\d{1,15}$/.test(length)) throw new Error(`bad Content-Length: ${length}`);
    return {
      status: Number(status),
      chunked: /(?:^|,)\s*chunked\s*$/i.test(headers.get("transfer-encoding") ?? ""),
      length: length === undefined ? null : Number(length),
    };
  }

  /** A chunked body: each chunk's data as it arrives, up to the last (empty) chunk. */
  async *chunked(): AsyncGenerator<Buffer> {
    for (;;) {
      let eol = this.#buffered.indexOf("\r\n");
      while (eol < 0) {
        if (this.#buffered.length > MAX_CHUNK_LINE_BYTES) throw new Error("bad chunk in the answer");
        await this.#more("the answer ended inside a chunk");
        eol = this.#buffered.indexOf("\r\n");
      }
      const size = this.#buffered.subarray(0, eol).toString("latin1").split(";")[0]?.trim() ?? "";
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new Error("bad chunk in the answer");
      this.#buffered = this.#buffered.subarray(eol + 2);
      // The last chunk; its trailer is not read (the connection closes after this answer).
      if (Number.parseInt(size, 16) === 0) return;
      yield* this.counted(Number.parseInt(size, 16));
      while (this.#buffered.length < 2) await this.#more("the answer ended inside a chunk");
      if (this.#buffered[0] !== 0x0d || this.#buffered[1] !== 0x0a)
        throw new Error("bad chunk in the answer");
      this.#buffered = this.#buffered.subarray(2);
    }
  }

  /** The next `length` bytes, in the pieces they arrive in. */
  async *counted(length: number): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      if (this.#buffered.length === 0) await this.#more("the answer ended early");
      const piece = this.#buffered.subarray(0, left);
      this.#buffered = this.#buffered.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Everything up to the connection's end. */
  async *rest(): AsyncGenerator<Buffer> {
    if (this.#buffered.length > 0) yield this.#buffered;
    this.#buffered = Buffer.alloc(0);
    for (;;) {
      const next = await this.#chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }

  async #more(endedEarly: string): Promise<void> {
    const next = await this.#chunks.next();
    if (next.done) throw new Error(endedEarly);
    this.#buffered = this.#buffered.length === 0 ? next.value : Buffer.concat([this.#buffered, next.value]);
  }
}
