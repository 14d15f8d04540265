import type { DatabaseSync } from "node:sqlite";
import { hostNameKey } from "@crowsnest/protocol";

/** The SQL function giving a host name's key (`hostNameKey`), for migration 10's backfill. */
export const HOST_NAME_KEY = "crowsnest_host_name_key";

/** Registers HOST_NAME_KEY on a connection, before the migrations run. */
export function registerHostNameKey(db: DatabaseSync): void {
  db.function(HOST_NAME_KEY, { deterministic: true }, (name) =>
    typeof name === "string" ? hostNameKey(name) : name,
  );
}
