import type { Metadata } from "next";
import { UsersClient } from "./client.tsx";

export const metadata: Metadata = { title: "Users" };

export default function UsersPage() {
  return <UsersClient />;
}
