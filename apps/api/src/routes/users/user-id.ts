import { z } from "zod";

/** The `:id` of the /api/users routes: user ids are UUIDs minted by the server. */
export const UserIdParams = z.object({ id: z.uuid() });
