import type { Metadata } from "next";
import { pageTitle } from "../../../lib/format.ts";
import { FleetClient } from "./client.tsx";

export const metadata: Metadata = { title: pageTitle("Fleet") };

export default function FleetPage() {
  return <FleetClient />;
}
