import type { Metadata } from "next";
import { pageTitle } from "../../lib/format.ts";
import { LoginClient } from "./client.tsx";

export const metadata: Metadata = { title: pageTitle("Log in") };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string | string[] }>;
}) {
  const { next } = await searchParams;
  return <LoginClient next={typeof next === "string" ? next : null} />;
}
