import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mask, unmask } from "../src/ws-mask.ts";

/** RFC 6455 §5.3: octet i of the masked data is octet i of the original XOR octet i mod 4 of the key. */
function reference(data: Uint8Array, key: Uint8Array): Uint8Array {
  return data.map((byte, i) => byte ^ (key[i % 4] as number));
}

/** Bytes around every test buffer, in the same memory; none may be written. */
const FILL = 0xee;
const MARGIN = 8;

/**
 * A Buffer holding `bytes` whose byteOffset is `shift` (0 to 3: 4-aligned or not) within a fresh
 * ArrayBuffer, with MARGIN bytes of FILL after it.
 */
function bufferAt(shift: number, bytes: Uint8Array): Buffer {
  const memory = new Uint8Array(shift + bytes.length + MARGIN).fill(FILL);
  memory.set(bytes, shift);
  return Buffer.from(memory.buffer, shift, bytes.length);
}

/** The whole memory of `buffer` outside its own bytes, which must still be FILL. */
function outside(buffer: Uint8Array): number[] {
  const memory = new Uint8Array(buffer.buffer);
  return [...memory.subarray(0, buffer.byteOffset), ...memory.subarray(buffer.byteOffset + buffer.length)];
}

/**
 * Masks `data` from a source at byteOffset `sourceShift` into an output at byteOffset `outputShift`
 * at index `offset`, and checks the result against RFC 6455's rule, the output's other bytes and the
 * memory around both untouched.
 */
function checkMask(
  data: Uint8Array,
  key: Uint8Array,
  sourceShift: number,
  outputShift: number,
  offset: number,
) {
  const source = bufferAt(sourceShift, data);
  const output = bufferAt(outputShift, new Uint8Array(offset + data.length + 3).fill(FILL));
  mask(source, key, output, offset, data.length);
  expect([...output.subarray(offset, offset + data.length)]).toEqual([...reference(data, key)]);
  expect(
    [...output.subarray(0, offset), ...output.subarray(offset + data.length)].every((b) => b === FILL),
  ).toBe(true);
  expect(outside(output).every((b) => b === FILL)).toBe(true);
  expect([...source]).toEqual([...data]); // the source is left as it was
  expect(outside(source).every((b) => b === FILL)).toBe(true);
}

/** Unmasks `data` in a buffer at byteOffset `shift` and checks it against RFC 6455's rule. */
function checkUnmask(data: Uint8Array, key: Uint8Array, shift: number) {
  const buffer = bufferAt(shift, data);
  unmask(buffer, key);
  expect([...buffer]).toEqual([...reference(data, key)]);
  expect(outside(buffer).every((b) => b === FILL)).toBe(true);
  unmask(buffer, key); // unmasking again undoes it
  expect([...buffer]).toEqual([...data]);
}

const key = fc.uint8Array({ minLength: 4, maxLength: 4 });
const shift = fc.integer({ min: 0, max: 3 });
/** Keys with distinct bytes, so a key rotated wrongly gives a different result. */
const KEYS = [new Uint8Array([0x12, 0x34, 0x56, 0x78]), new Uint8Array([0xff, 0x00, 0xa5, 0x01])];
/** Every length from 0 (no byte) to 9 (2 words and a tail byte at any alignment). */
const SHORT = Array.from({ length: 10 }, (_, length) =>
  Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff),
);

describe("ws-mask (bufferutil's interface for ws)", () => {
  it("masks every length 0..9 from and into every alignment and offset as RFC 6455 says", () => {
    for (const k of KEYS) {
      for (const data of SHORT) {
        for (let sourceShift = 0; sourceShift < 4; sourceShift++) {
          for (let outputShift = 0; outputShift < 4; outputShift++) {
            for (let offset = 0; offset <= 14; offset++) checkMask(data, k, sourceShift, outputShift, offset);
          }
        }
      }
    }
  });

  it("masks any payload from and into any alignment and offset as RFC 6455 says", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1000 }),
        key,
        shift,
        shift,
        fc.nat(14),
        (data, k, sourceShift, outputShift, offset) => checkMask(data, k, sourceShift, outputShift, offset),
      ),
    );
  });

  it("unmasks every length 0..9 in place at every alignment as RFC 6455 says", () => {
    for (const k of KEYS) {
      for (const data of SHORT) {
        for (let s = 0; s < 4; s++) checkUnmask(data, k, s);
      }
    }
  });

  it("unmasks any payload in place at any alignment, undoing mask", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), key, shift, (data, k, s) => {
        checkUnmask(data, k, s);
        // A frame ws masked (a header of 6 bytes before the payload) unmasks to the payload.
        const frame = Buffer.alloc(6 + data.length);
        mask(data, k, frame, 6, data.length);
        const payload = frame.subarray(6);
        unmask(payload, k);
        expect([...payload]).toEqual([...data]);
      }),
    );
  });
});
