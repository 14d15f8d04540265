import type { Metadata } from "next";
import { HostClient } from "./client.tsx";

export const metadata: Metadata = { title: "Host" };

export default async function HostPage({ params }: { params: Promise<{ hostId: string }> }) {
  const { hostId } = await params;
  return <HostClient hostId={decodeURIComponent(hostId)} />;
}
