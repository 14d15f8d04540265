/**
 * What `import { z } from "zod"` gives the agent's bundle (scripts/build-agent.ts aliases "zod"
 * here): zod's full schema API, the same code the sources run, without the `locales` namespace that
 * zod's entry re-exports and esbuild cannot leave out (about 350 KB of code, 7 MiB of memory).
 * English messages stay: zod registers its English locale when the first schema is made.
 */

import { ZodError } from "../node_modules/zod/v4/classic/errors.js";
import * as schemas from "../node_modules/zod/v4/classic/schemas.js";
import { prettifyError } from "../node_modules/zod/v4/core/index.js";

export const z = { ...schemas, ZodError, prettifyError };
