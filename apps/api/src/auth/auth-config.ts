import { Password } from "@crowsnest/protocol";
import { checked, integer, type SettingValues, setting } from "@crowsnest/protocol/settings";
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

const MINUTE = 60_000;

/** Auth's rows of the server's settings table (see config.ts). */
export const AUTH_SETTINGS = {
  adminPassword: setting({
    env: "CROWSNEST_ADMIN_PASSWORD",
    help: "the first admin's password, used on the first run only",
    kind: checked(Password, "10 to 1024 characters", "PASSWORD"),
    secret: true,
    default: null,
    defaultText: "generated and printed once",
  }),
  sessionIdleMs: setting({
    env: "CROWSNEST_SESSION_IDLE_MS",
    help: "a session unused this long ends",
    kind: integer(MINUTE, undefined, "ms"),
    default: DEFAULT_SESSION_CONFIG.idleMs,
  }),
  sessionMaxMs: setting({
    env: "CROWSNEST_SESSION_MAX_MS",
    help: "a session ends this long after sign-in, used or not",
    kind: integer(MINUTE, undefined, "ms"),
    default: DEFAULT_SESSION_CONFIG.absoluteMs,
  }),
  enrolmentTtlMs: setting({
    env: "CROWSNEST_ENROLMENT_TTL_MS",
    help: "how long a host's enrolment token stays valid",
    kind: integer(MINUTE, undefined, "ms"),
    default: DEFAULT_ENROLMENT_TTL_MS,
  }),
};

/** The AuthConfig from the parsed auth settings. */
export function authConfig(values: SettingValues<typeof AUTH_SETTINGS>): AuthConfig {
  return {
    adminPassword: values.adminPassword,
    scryptCost: DEFAULT_SCRYPT_COST,
    sessions: { idleMs: values.sessionIdleMs, absoluteMs: values.sessionMaxMs },
    loginThrottle: DEFAULT_LOGIN_THROTTLE,
    enrolmentTtlMs: values.enrolmentTtlMs,
  };
}
