/**
 * REST response schemas around the protocol's shapes. The server answers with the bare value
 * (`Host[]`, `Host`, `Me` ...); an `{ hosts: [...] }`-style envelope is accepted too, so that
 * either form parses into the same value.
 */
import {
  AuditResponse,
  ContainerView,
  EnrolmentResponse,
  Host,
  LogsResponse,
  Me,
  MetricsResponse,
  User,
} from "@crowsnest/protocol";
import { z } from "zod";

function one<T extends z.ZodType>(schema: T, key: string) {
  const envelope = z
    .object({ [key]: schema })
    .transform((b) => (b as Record<string, unknown>)[key] as z.output<T>);
  return z.union([envelope, schema]);
}

export const HostList = one(z.array(Host), "hosts");
export const HostOne = one(Host, "host");
export const ContainerList = one(z.array(ContainerView), "containers");
export const ContainerOne = one(ContainerView, "container");
export const UserList = one(z.array(User), "users");
export const UserOne = one(User, "user");
export const LoginResult = one(Me, "user");
export { AuditResponse, EnrolmentResponse, LogsResponse, MetricsResponse };
