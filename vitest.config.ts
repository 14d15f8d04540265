import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one Docker Engine and a 2-core machine; files run one at a time.
    fileParallelism: false,
    // A page under test waits on a server and a Docker Engine that share 2 loaded cores: 1 s
    // (Vitest's default) is too short for a poll that should pass, and a failing one still fails.
    expect: { poll: { timeout: 10_000 } },
  },
});
