import type { Metadata } from "next";
import { HostsClient } from "./client.tsx";

export const metadata: Metadata = { title: "Hosts" };

export default function HostsPage() {
  return <HostsClient />;
}
