import type { Metadata } from "next";
import { AuditClient } from "./client.tsx";

export const metadata: Metadata = { title: "Audit log" };

export default function AuditPage() {
  return <AuditClient />;
}
