import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";
import "uplot/dist/uPlot.min.css";
import "./globals.css";

// No title here: a layout's title would also be given to the host and container pages, whose
// titles name what they load (`pageTitle`), and Next may stream it in after theirs.
export const metadata: Metadata = { description: "Your Docker fleet at a glance" };

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Reading the cookie makes every page dynamic, which the per-request CSP nonce needs anyway.
  const theme = (await cookies()).get("theme")?.value;
  const dataTheme = theme === "light" || theme === "dark" ? theme : undefined;
  return (
    <html lang="en" data-theme={dataTheme}>
      <body>{children}</body>
    </html>
  );
}
