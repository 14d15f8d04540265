import { HostClient } from "./client.tsx";

export default async function HostPage({ params }: { params: Promise<{ hostId: string }> }) {
  const { hostId } = await params;
  return <HostClient hostId={decodeURIComponent(hostId)} />;
}
