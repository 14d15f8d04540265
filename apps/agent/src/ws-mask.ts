/**
 * The interface of ws's optional `bufferutil` addon (`mask`, `unmask`: RFC 6455 §5.3 masking, XOR
 * with a 4-byte key), in JavaScript for the one-file agent, which ships no native addon. ws's own
 * fallback XORs byte by byte, which under `--jitless` (runtime-flags.ts) V8's interpreter runs at
 * about 45 ns a byte; XOR over the 32-bit words of an aligned copy is about 4 times faster
 * (BENCHMARKS.md, "Agent footprint"). scripts/build-agent.ts aliases `bufferutil` to this module;
 * ws calls it for payloads of 48 bytes and more, and itself for shorter ones.
 */

/** The 4-byte key as one 32-bit word in this platform's byte order, as an Int32Array reads the data. */
function keyWord(key: Uint8Array): number {
  const word = new Uint8Array(4);
  word.set(key.subarray(0, 4));
  return new Int32Array(word.buffer)[0] as number;
}

/** XORs `length` bytes of `source` from its start with the key repeated; the result at its start. */
function xorWords(source: Uint8Array, key: Uint8Array, length: number): Uint8Array {
  const words = length >>> 2;
  const copy = new Uint8Array(length);
  copy.set(source.subarray(0, length));
  const view = new Int32Array(copy.buffer, 0, words);
  const k = keyWord(key);
  for (let i = 0; i < words; i++) view[i] = (view[i] as number) ^ k;
  for (let i = words * 4; i < length; i++) copy[i] = (copy[i] as number) ^ (key[i & 3] as number);
  return copy;
}

/** Writes `length` bytes of `source`, masked with `key`, into `output` from `offset`. */
export function mask(
  source: Uint8Array,
  key: Uint8Array,
  output: Uint8Array,
  offset: number,
  length: number,
): void {
  output.set(xorWords(source, key, length), offset);
}

/** Unmasks `buffer` in place with `key`. */
export function unmask(buffer: Uint8Array, key: Uint8Array): void {
  buffer.set(xorWords(buffer, key, buffer.length));
}
