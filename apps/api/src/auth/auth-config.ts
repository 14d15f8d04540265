import { Password } from "@crowsnest/protocol";
import { DEFAULT_ENROLMENT_TTL_MS } from "./host-enrolment.ts";
import { DEFAULT_LOGIN_THROTTLE, type LoginThrottleConfig } from "./login-throttle.ts";
import { DEFAULT_SCRYPT_COST, type ScryptCost } from "./password.ts";
import { DEFAULT_SESSION_CONFIG, type SessionConfig } from "./sessions.ts";

export interface AuthConfig {
  /** CROWSNEST_ADMIN_PASSWORD: the first admin's password; null generates one and prints it once. */
  adminPassword: string | null;
  /**
   * Always DEFAULT_SCRYPT_COST from the environment; only code that builds a Config itself (tests
   * that create many users) may lower it. Existing hashes keep verifying: each records its cost.
   */
  scryptCost: ScryptCost;
  sessions: SessionConfig;
  loginThrottle: LoginThrottleConfig;
  enrolmentTtlMs: number;
}

type IntReader = (name: string, fallback: number, min: number) => number;

export function loadAuthConfig(env: NodeJS.ProcessEnv, int: IntReader): AuthConfig {
  const adminPassword = env.CROWSNEST_ADMIN_PASSWORD;
  const parsed = adminPassword ? Password.safeParse(adminPassword) : null;
  if (parsed && !parsed.success) {
    throw new Error(`CROWSNEST_ADMIN_PASSWORD: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }
  return {
    adminPassword: parsed?.data ?? null,
    scryptCost: DEFAULT_SCRYPT_COST,
    sessions: {
      idleMs: int("CROWSNEST_SESSION_IDLE_MS", DEFAULT_SESSION_CONFIG.idleMs, 60_000),
      absoluteMs: int("CROWSNEST_SESSION_MAX_MS", DEFAULT_SESSION_CONFIG.absoluteMs, 60_000),
    },
    loginThrottle: DEFAULT_LOGIN_THROTTLE,
    enrolmentTtlMs: int("CROWSNEST_ENROLMENT_TTL_MS", DEFAULT_ENROLMENT_TTL_MS, 60_000),
  };
}
