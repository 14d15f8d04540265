import { logCutMarker } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { Demuxer, type FrameStream } from "../src/logs/demux.ts";
import {
  type AssembledLine,
  DOCKER_PIECE_BYTES,
  LineAssembler,
  utf8Boundary,
} from "../src/logs/line-assembler.ts";
import { RateLimiter } from "../src/logs/rate-limiter.ts";

const TS = "2026-11-24T12:00:00.123456789Z";

function frame(stream: number, payload: string | Buffer): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** chunks: what the stream delivers; a chunk given as [buffer, true] ends one of Docker's messages (a frame). */
function assemble(
  chunks: (Buffer | [Buffer, boolean])[],
  options: { tty?: boolean; max?: number } = {},
): AssembledLine[] {
  const lines: AssembledLine[] = [];
  const assembler = new LineAssembler((l) => lines.push(l), options.tty ?? false, options.max);
  for (const chunk of chunks) {
    if (Buffer.isBuffer(chunk)) assembler.push(chunk);
    else assembler.push(...chunk);
  }
  assembler.end();
  return lines;
}

const TS2 = "2026-11-24T12:00:00.223456789Z";

describe("Demuxer", () => {
  it("splits frames into per-stream payloads even when headers and bodies straddle chunks", () => {
    const wire = Buffer.concat([frame(1, "out one\n"), frame(2, "err one\n"), frame(1, "out two\n")]);
    const got: [FrameStream, string][] = [];
    const demuxer = new Demuxer((stream, payload) => got.push([stream, payload.toString()]));
    for (let i = 0; i < wire.length; i += 3) demuxer.push(wire.subarray(i, i + 3));
    const joined = (s: FrameStream) =>
      got
        .filter(([stream]) => stream === s)
        .map(([, p]) => p)
        .join("");
    expect(joined("stdout")).toBe("out one\nout two\n");
    expect(joined("stderr")).toBe("err one\n");
    expect(demuxer.incomplete).toBe(false);
  });

  it("refuses a stream that is not multiplexed", () => {
    const demuxer = new Demuxer(() => {});
    expect(() => demuxer.push(Buffer.from("2026-11-24T12:00:00Z raw tty text\n"))).toThrow(/not multiplexed/);
  });
});

describe("LineAssembler", () => {
  it("splits lines, keeps each line's Docker timestamp and handles chunks cut anywhere", () => {
    const wire = Buffer.from(`${TS} first\n${TS} second line\n`);
    const chunks = Array.from({ length: wire.length }, (_, i) => wire.subarray(i, i + 1));
    expect(assemble(chunks)).toEqual([
      { ts: TS, text: "first", truncated: false },
      { ts: TS, text: "second line", truncated: false },
    ]);
  });

  it("strips the TTY's carriage return", () => {
    expect(assemble([Buffer.from(`${TS} hello\r\n`)], { tty: true })[0]?.text).toBe("hello");
  });

  it("cuts an over-long line at the byte limit without splitting a character, and marks it with its length", () => {
    const line = "é".repeat(10); // 20 bytes
    const [cut] = assemble([Buffer.from(`${TS} ${line}\n`)], { max: 7 });
    expect(cut).toEqual({ ts: TS, text: `ééé${logCutMarker(20)}`, truncated: true });
  });

  it("joins the partial messages of a frame-multiplexed stream: a frame not ending in a newline goes on in the next", () => {
    const lines = assemble([
      [Buffer.from(`${TS} ${"a".repeat(8)}`), true],
      [Buffer.from(`${TS2} ${"b".repeat(3)}`), false],
      [Buffer.from(`${"b".repeat(5)}`), true],
      [Buffer.from(`${TS2} end\n`), true],
      [Buffer.from(`${TS2} next\n`), true],
    ]);
    expect(lines).toEqual([
      { ts: TS, text: `${"a".repeat(8)}${"b".repeat(8)}end`, truncated: false },
      { ts: TS2, text: "next", truncated: false },
    ]);
  });

  it("joins a TTY's unframed partial messages: each piece but the last holds exactly 16 KiB", () => {
    const first = "x".repeat(DOCKER_PIECE_BYTES);
    const wire = Buffer.from(`${TS} ${first}${TS2} ${first}${TS2} tail\r\n${TS2} next\r\n`);
    const chunks = [wire.subarray(0, 100), wire.subarray(100, 20_000), wire.subarray(20_000)];
    expect(assemble(chunks, { tty: true })).toEqual([
      { ts: TS, text: `${first}${first}tail`, truncated: false },
      { ts: TS2, text: "next", truncated: false },
    ]);
  });

  it("cuts a joined line past the limit once, with the whole line's length, and reads the next intact", () => {
    const lines = assemble(
      [
        [Buffer.from(`${TS} ${"a".repeat(8)}`), true],
        [Buffer.from(`${TS2} ${"b".repeat(8)}`), true],
        [Buffer.from(`${TS2} cc\n`), true],
        [Buffer.from(`${TS2} next\n`), true],
      ],
      { max: 10 },
    );
    expect(lines).toEqual([
      { ts: TS, text: `aaaaaaaabb${logCutMarker(18)}`, truncated: true },
      { ts: TS2, text: "next", truncated: false },
    ]);
  });

  it("emits a partial line whose continuation never came when the stream ends", () => {
    expect(assemble([[Buffer.from(`${TS} half`), true]])).toEqual([
      { ts: TS, text: "half", truncated: false },
    ]);
  });

  it("replaces invalid UTF-8 with U+FFFD instead of dropping the line", () => {
    const bytes = Buffer.concat([
      Buffer.from(`${TS} a`),
      Buffer.from([0xff, 0xc3, 0x28]),
      Buffer.from("b\n"),
    ]);
    expect(assemble([bytes])[0]?.text).toBe("a\uFFFD\uFFFD(b");
  });

  it("emits an unterminated last line when the stream ends", () => {
    expect(assemble([Buffer.from(`${TS} no newline`)])).toEqual([
      { ts: TS, text: "no newline", truncated: false },
    ]);
  });
});

describe("utf8Boundary", () => {
  it("backs off to the start of a character that the cut would split", () => {
    const euro = Buffer.from("a€"); // 61 e2 82 ac
    expect(utf8Boundary(euro, 4)).toBe(4);
    expect(utf8Boundary(euro, 3)).toBe(1);
    expect(utf8Boundary(euro, 2)).toBe(1);
    expect(utf8Boundary(Buffer.from([0x80, 0x80, 0x80, 0x80]), 4)).toBe(4);
  });
});

describe("RateLimiter", () => {
  it("allows a second's burst, then the refill rate, on the agent's clock", () => {
    const limiter = new RateLimiter(10);
    const take = (n: number, at: number) =>
      Array.from({ length: n }, () => limiter.tryTake(at)).filter(Boolean).length;
    expect(take(15, 1_000)).toBe(10);
    expect(limiter.msUntilFull(1_000)).toBe(1_000);
    expect(take(15, 1_500)).toBe(5);
    expect(take(5, 1_400)).toBe(0); // a clock that steps back refills nothing
    expect(limiter.msUntilFull(1_700)).toBe(800);
    expect(take(50, 60_000)).toBe(10); // a long pause refills up to one second's burst only
    expect(limiter.msUntilFull(60_000)).toBe(1_000);
  });
});
