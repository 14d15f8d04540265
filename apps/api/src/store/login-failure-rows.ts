import type {
  LoginFailureCount,
  LoginFailureKey,
  LoginFailureReservation,
} from "./login-failure-repository.ts";

/** A counter of `login_failures` as both backends select it: its failures and the latest one's time. */
export interface LoginFailureRow {
  failures: number;
  last_failure_at: number;
}

/** A counter as both backends return it from a reservation: also the attempts pending on it. */
export interface LoginReservationRow extends LoginFailureRow {
  pending: number;
}

/** The counter of `key` that `row` holds, as `find` returns it. */
export function toLoginFailureCount(key: LoginFailureKey, row: LoginFailureRow): LoginFailureCount {
  return { ...key, failures: row.failures, lastFailureAt: row.last_failure_at };
}

/** The counter of `key` as the reservation that returned `row` left it, as `reserve` returns it. */
export function toLoginReservation(key: LoginFailureKey, row: LoginReservationRow): LoginFailureReservation {
  return { ...key, failures: row.failures, lastFailureAt: row.last_failure_at, pending: row.pending };
}
