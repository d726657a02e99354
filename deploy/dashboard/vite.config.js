// Served under /dashboard/ behind nginx; in development Vite proxies the API and the WebSocket to the gateway.
import { defineConfig } from "vite";

const gateway = process.env.TT_GATEWAY_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/dashboard/",
  server: {
    host: "0.0.0.0",
    port: 5173,
    proxy: {
      "/api": gateway,
      "/ws": { target: gateway.replace(/^http/, "ws"), ws: true },
    },
  },
});
