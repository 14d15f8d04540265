import type { Metadata } from "next";
import { pageTitle } from "../../../../lib/format.ts";
import { UsersClient } from "./client.tsx";

export const metadata: Metadata = { title: pageTitle("Users") };

export default function UsersPage() {
  return <UsersClient />;
}
