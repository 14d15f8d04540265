import { describe, expect, it } from "vitest";
import { Demuxer, type FrameStream } from "../src/logs/demux.ts";
import {
  type AssembledLine,
  LineAssembler,
  TRUNCATION_MARKER,
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

function assemble(chunks: Buffer[], options: { stripCr?: boolean; max?: number } = {}): AssembledLine[] {
  const lines: AssembledLine[] = [];
  const assembler = new LineAssembler((l) => lines.push(l), options.stripCr ?? false, options.max);
  for (const chunk of chunks) assembler.push(chunk);
  assembler.end();
  return lines;
}

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
    expect(assemble([Buffer.from(`${TS} hello\r\n`)], { stripCr: true })[0]?.text).toBe("hello");
  });

  it("cuts an over-long line at the byte limit without splitting a character, and marks it", () => {
    const line = "é".repeat(10); // 20 bytes
    const [cut] = assemble([Buffer.from(`${TS} ${line}\n`)], { max: 7 });
    expect(cut).toEqual({ ts: TS, text: `ééé${TRUNCATION_MARKER}`, truncated: true });
  });

  it("skips the timestamps Docker puts in front of the partial pieces of a long line", () => {
    const pieces = `${TS} ${"a".repeat(8)}${TS} ${"b".repeat(8)}\n${TS} next\n`;
    const lines = assemble([Buffer.from(pieces)], { max: 8 });
    expect(lines).toEqual([
      { ts: TS, text: `aaaaaaaa${TRUNCATION_MARKER}`, truncated: true },
      { ts: TS, text: "next", truncated: false },
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
  it("allows a second's burst, then the refill rate, on the log's own clock", () => {
    const limiter = new RateLimiter(10);
    const take = (n: number, at: number) =>
      Array.from({ length: n }, () => limiter.tryTake(at)).filter(Boolean).length;
    expect(take(15, 1_000)).toBe(10);
    expect(take(15, 1_500)).toBe(5);
    expect(take(5, 1_400)).toBe(0); // an earlier timestamp (the other stream) refills nothing
    expect(take(50, 60_000)).toBe(10); // a long pause refills up to one second's burst only
  });
});
