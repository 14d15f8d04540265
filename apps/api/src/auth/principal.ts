import type { Role } from "@crowsnest/protocol";

/** Who is making a request, once their session cookie has been checked. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  sessionId: string;
}
