import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";

/** A store backend the contract tests run against: `open` gives a new, empty store each call. */
export interface Backend {
  name: string;
  open(): Promise<Store>;
}

/**
 * Every backend of the Store contract, opened as the server opens it (openStore). Each contract
 * test file runs its cases once per entry with `describe.each(BACKENDS)`; PostgreSQL joins the
 * list in the scale-out issue.
 */
export const BACKENDS: readonly Backend[] = [
  { name: "sqlite", open: () => openStore({ database: { backend: "sqlite", path: ":memory:" } }) },
];
