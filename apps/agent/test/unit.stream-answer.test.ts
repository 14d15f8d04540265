/**
 * The agent's reader of streamed Engine answers (stream-answer.ts), against a real socket that
 * writes exactly the bytes given: chunked bodies split anywhere, and answers that are broken or
 * hostile, which must fail with a clear error rather than hang or hand over wrong bytes.
 */
import { mkdtemp } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStream } from "../src/docker/stream-answer.ts";

const servers: net.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((done) => server.close(done));
});

/** A unix socket that answers the first request with `pieces`, written one by one, then closes. */
async function answering(
  pieces: (string | Buffer)[],
  keepOpen = false,
): Promise<{ socketPath: string; request: Promise<string> }> {
  const socketPath = join(await mkdtemp(join(tmpdir(), "crowsnest-stream-")), "engine.sock");
  let received: (value: string) => void = () => {};
  const request = new Promise<string>((resolve) => {
    received = resolve;
  });
  const server = net.createServer((socket) => {
    socket.once("data", async (head) => {
      received(head.toString("latin1"));
      for (const piece of pieces) {
        socket.write(piece);
        // Each piece its own read on the other side.
        await new Promise((next) => setTimeout(next, 5));
      }
      if (!keepOpen) socket.end();
    });
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(socketPath, listening));
  return { socketPath, request };
}

async function bodyOf(pieces: (string | Buffer)[]): Promise<string> {
  const { socketPath } = await answering(pieces);
  const answer = await openStream({ kind: "unix", socketPath }, "/x", new AbortController().signal);
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("latin1");
}

const HEAD =
  "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

describe("a streamed Engine answer", () => {
  it("sends one GET that closes the connection after the answer", async () => {
    const { socketPath, request } = await answering([HEAD, "0\r\n\r\n"]);
    const answer = await openStream(
      { kind: "unix", socketPath },
      "/v1.41/containers/abc/logs?follow=1",
      new AbortController().signal,
    );
    answer.close();
    expect(await request).toBe(
      "GET /v1.41/containers/abc/logs?follow=1 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n",
    );
  });

  it("decodes a chunked body split at every kind of place", async () => {
    expect(
      await bodyOf([
        HEAD.slice(0, 20),
        HEAD.slice(20),
        "5\r\nhel",
        "lo\r",
        "\n1",
        "0;ext=1\r\n",
        "0123456789abcdef\r\n0\r\n\r\n",
      ]),
    ).toBe("hello0123456789abcdef");
  });

  it("reads a Content-Length body, and a body that runs to the connection's end", async () => {
    expect(await bodyOf(["HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\n", "nope!ignored"])).toBe(
      "nope!",
    );
    expect(await bodyOf(["HTTP/1.0 200 OK\r\n\r\nall ", "of it"])).toBe("all of it");
  });

  it("gives the status of an error answer", async () => {
    const { socketPath } = await answering(["HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}"]);
    const answer = await openStream({ kind: "unix", socketPath }, "/x", new AbortController().signal);
    expect(answer.status).toBe(404);
    answer.close();
  });

  it.each([
    ["a chunk size that is not hex", [HEAD, "zz\r\n"], "bad chunk in the answer"],
    ["a chunk size line without end", [HEAD, "1".repeat(2000)], "bad chunk in the answer"],
    ["a chunk without its CRLF", [HEAD, "2\r\nokXX"], "bad chunk in the answer"],
    ["a body that ends inside a chunk", [HEAD, "10\r\nshort"], "the answer ended early"],
  ])("fails on %s", async (_, pieces, message) => {
    await expect(bodyOf(pieces)).rejects.toThrow(message);
  });

  it.each([
    ["no HTTP status line", ["SSH-2.0-OpenSSH\r\n\r\n"], "not an HTTP/1.1 answer"],
    ["a head past 64 KiB", [`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70_000)}`], "the answer's head is too long"],
    ["a bad Content-Length", ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"], "bad Content-Length"],
    ["a connection closed before an answer", [], "the connection closed before an answer"],
  ])("refuses %s", async (_, pieces, message) => {
    const { socketPath } = await answering(pieces);
    await expect(
      openStream({ kind: "unix", socketPath }, "/x", new AbortController().signal),
    ).rejects.toThrow(message);
  });

  it("ends the body with an error when the signal aborts, and closes the connection", async () => {
    const { socketPath } = await answering([HEAD, "3\r\nabc\r\n"], true);
    const abort = new AbortController();
    const answer = await openStream({ kind: "unix", socketPath }, "/x", abort.signal);
    const body = answer.body[Symbol.asyncIterator]();
    expect((await body.next()).value?.toString()).toBe("abc");
    abort.abort();
    await expect(body.next()).rejects.toThrow();
  });
});
