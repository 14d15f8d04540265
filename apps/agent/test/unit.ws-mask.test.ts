import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mask, unmask } from "../src/ws-mask.ts";

/** RFC 6455 §5.3: octet i of the masked data is octet i of the original XOR octet i mod 4 of the key. */
function reference(data: Uint8Array, key: Uint8Array): Uint8Array {
  return data.map((byte, i) => byte ^ (key[i % 4] as number));
}

const key = fc.uint8Array({ minLength: 4, maxLength: 4 });

describe("ws-mask (bufferutil's interface for ws)", () => {
  it("masks any payload into any place of the output as RFC 6455 says", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), key, fc.nat(9), (data, k, offset) => {
        // A source that is a view at an odd offset of a larger buffer, as ws hands over.
        const source = Buffer.concat([Buffer.from([9]), data]).subarray(1);
        const output = Buffer.alloc(offset + data.length + 3, 0xee);
        mask(source, k, output, offset, data.length);
        expect([...output.subarray(offset, offset + data.length)]).toEqual([...reference(data, k)]);
        // Nothing outside its place is written.
        expect(output.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(output.subarray(offset + data.length).every((b) => b === 0xee)).toBe(true);
      }),
    );
  });

  it("unmasks in place, undoing mask", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), key, (data, k) => {
        const buffer = Buffer.from(reference(data, k));
        unmask(buffer, k);
        expect([...buffer]).toEqual([...data]);
      }),
    );
  });
});
