import type { FastifyRequest } from "fastify";
import { agentUrlFor } from "../../auth/host-enrolment.ts";

/** Where the new agent should dial: CROWSNEST_PUBLIC_URL when set, else the address the admin used. */
export function agentUrlOf(request: FastifyRequest, publicUrl: string | null): string {
  return agentUrlFor(publicUrl ?? `${request.protocol}://${request.host}`);
}
