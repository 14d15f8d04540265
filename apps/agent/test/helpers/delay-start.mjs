// Preloaded with `node --import`: holds the process for CROWSNEST_TEST_START_DELAY_MS before its
// main module runs, as a slow machine does, so a test can act between the process's start and the
// agent's first list of the Engine.
await new Promise((resolve) => setTimeout(resolve, Number(process.env.CROWSNEST_TEST_START_DELAY_MS ?? 0)));
