declare module "fastify" {
  interface FastifyContextConfig {
    /** Reachable without a session (health, login); every other /api route runs the API guard. */
    public?: boolean;
  }
}

export {};
