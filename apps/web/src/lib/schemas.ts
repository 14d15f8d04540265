/**
 * REST response schemas the protocol does not name: the server answers lists as bare arrays
 * and 204s with no body.
 */
import { ContainerView, Host, User } from "@crowsnest/protocol";
import { z } from "zod";

export const HostList = z.array(Host);
export const ContainerList = z.array(ContainerView);
export const UserList = z.array(User);
/** A 204: `request` reads an empty body as null. */
export const NoContent = z.null();
