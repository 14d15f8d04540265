import type { Metadata } from "next";
import { pageTitle } from "../../../lib/format.ts";
import { AuditClient } from "./client.tsx";

export const metadata: Metadata = { title: pageTitle("Audit log") };

export default function AuditPage() {
  return <AuditClient />;
}
