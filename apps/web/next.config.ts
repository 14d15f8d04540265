import type { NextConfig } from "next";

const config: NextConfig = {
  // The protocol package ships TypeScript sources with `.ts` import specifiers.
  transpilePackages: ["@crowsnest/protocol"],
  poweredByHeader: false,
  // Development only: Next refuses hot-reload sockets from origins other than localhost unless listed.
  allowedDevOrigins: ["127.0.0.1"],
  reactStrictMode: true,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default config;
