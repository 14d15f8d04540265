import type { Metadata } from "next";
import { pageTitle } from "../../../../lib/format.ts";
import { HostsClient } from "./client.tsx";

export const metadata: Metadata = { title: pageTitle("Hosts") };

export default function HostsPage() {
  return <HostsClient />;
}
