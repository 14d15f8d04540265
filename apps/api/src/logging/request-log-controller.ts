import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

/**
 * Fastify logs every request twice at `info`; the dashboard's polling would drown what an
 * operator looks for (agents, storage, errors). Request lines go to `debug`; errors stay errors.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, "incoming request");
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, "request errored");
    } else {
      request.log.debug({ res: reply, responseTime: reply.elapsedTime }, "request completed");
    }
  }
}
