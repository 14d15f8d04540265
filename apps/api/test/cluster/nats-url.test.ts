import { describe, expect, it } from "vitest";
import { natsServerOptions } from "../../src/cluster/bus.ts";

// CROWSNEST_NATS_URL's credentials become NATS connect options; the server part, which is logged
// and shown in errors, never carries them.
describe("natsServerOptions", () => {
  it("takes a user and password, or a token, out of the URL", () => {
    expect(natsServerOptions("nats://crowsnest:s3cret@nats:4222")).toEqual({
      server: "nats:4222",
      auth: { user: "crowsnest", pass: "s3cret" },
    });
    expect(natsServerOptions("nats://a-token@10.0.0.5")).toEqual({
      server: "10.0.0.5:4222",
      auth: { token: "a-token" },
    });
    expect(natsServerOptions("tls://nats.example:4443")).toEqual({
      server: "tls://nats.example:4443",
      auth: {},
    });
  });

  it("decodes percent-escapes in the credentials", () => {
    expect(natsServerOptions("nats://us%40er:p%3Ass%2Fw@127.0.0.1:4222").auth).toEqual({
      user: "us@er",
      pass: "p:ss/w",
    });
  });
});
