import { ContainerClient } from "./client.tsx";

export default async function ContainerPage({
  params,
}: {
  params: Promise<{ hostId: string; containerId: string }>;
}) {
  const { hostId, containerId } = await params;
  return <ContainerClient hostId={decodeURIComponent(hostId)} containerId={containerId} />;
}
