import { StringDecoder } from "node:string_decoder";

/**
 * Yields each JSON value of a newline-delimited stream (Docker's events and stats streams).
 * A line that is not JSON is a broken stream, so it throws rather than skipping data silently.
 */
export async function* jsonLines(stream: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  // A chunk can end inside a multi-byte character; the decoder carries it over.
  const decoder = new StringDecoder("utf8");
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.write(chunk);
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") yield JSON.parse(line) as unknown;
      newline = buffered.indexOf("\n");
    }
  }
  buffered += decoder.end();
  if (buffered.trim() !== "") yield JSON.parse(buffered) as unknown;
}
