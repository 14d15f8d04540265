import type { Metadata } from "next";
import { FleetClient } from "./client.tsx";

export const metadata: Metadata = { title: "Fleet" };

export default function FleetPage() {
  return <FleetClient />;
}
