/**
 * The interface of ws's optional `bufferutil` addon (`mask`, `unmask`: RFC 6455 §5.3 masking, octet i
 * of the payload XOR octet i mod 4 of a 4-byte key), in JavaScript for the one-file agent, which ships
 * no native addon. ws's own fallback XORs byte by byte, which under `--jitless` (runtime-flags.ts)
 * V8's interpreter runs at about 45 ns a byte; XOR over 32-bit words measured about 4 times faster
 * (BENCHMARKS.md, "Agent footprint", when it still XORed a copy of each payload).
 * scripts/build-agent.ts aliases `bufferutil` to this module;
 * ws (lib/buffer-util.js) calls `mask` for payloads of 48 bytes and more and `unmask` for 32 bytes
 * and more, and runs its byte loop for shorter ones.
 *
 * Both work in place over the bytes ws hands them and allocate no copy of the payload: the bytes
 * before the first 4-aligned address (0 to 3 of them, when a buffer's byteOffset is not a multiple
 * of 4) and the 0 to 3 after the last whole word are XORed one by one, the words between them through
 * an Int32Array view of the same memory, with the key rotated to the byte the first word starts at.
 */

/** Whether this platform stores a word's low byte first, as an Int32Array view reads memory. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The 32-bit word to XOR with 4 payload bytes the first of which is payload byte `phase` mod 4:
 * key bytes `phase`, `phase + 1`, `phase + 2`, `phase + 3` (mod 4), in this platform's byte order.
 */
function keyWord(key: Uint8Array, phase: number): number {
  const b0 = key[phase & 3] as number;
  const b1 = key[(phase + 1) & 3] as number;
  const b2 = key[(phase + 2) & 3] as number;
  const b3 = key[(phase + 3) & 3] as number;
  return LITTLE_ENDIAN ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
}

/**
 * XORs, in place, the `length` bytes of `data` from index `start` with the key repeated: byte
 * `start + i` with key byte `i & 3` (the payload starts at `start`).
 */
function xorInPlace(data: Uint8Array, start: number, length: number, key: Uint8Array): void {
  // Bytes up to the first 4-aligned address of the underlying memory (an Int32Array view needs one).
  const head = Math.min(length, (4 - ((data.byteOffset + start) & 3)) & 3);
  for (let i = 0; i < head; i++) data[start + i] = (data[start + i] as number) ^ (key[i & 3] as number);
  const words = (length - head) >>> 2;
  if (words > 0) {
    const view = new Int32Array(data.buffer, data.byteOffset + start + head, words);
    const k = keyWord(key, head);
    for (let i = 0; i < words; i++) view[i] = (view[i] as number) ^ k;
  }
  for (let i = head + words * 4; i < length; i++) {
    data[start + i] = (data[start + i] as number) ^ (key[i & 3] as number);
  }
}

/**
 * Writes the first `length` bytes of `source`, masked with the 4-byte `key`, into `output` at
 * indexes `offset` to `offset + length - 1`; `source` is left as it was. ws's signature: `output`
 * is the frame being built, `offset` the length of its header.
 */
export function mask(
  source: Uint8Array,
  key: Uint8Array,
  output: Uint8Array,
  offset: number,
  length: number,
): void {
  // A native copy to the frame, then XOR there in place: only the output's alignment then matters.
  output.set(source.subarray(0, length), offset);
  xorInPlace(output, offset, length, key);
}

/** Unmasks all of `buffer` in place with the 4-byte `key` (the same XOR as `mask`). */
export function unmask(buffer: Uint8Array, key: Uint8Array): void {
  xorInPlace(buffer, 0, buffer.length, key);
}
