// Builds the web UI into dist/, which `coffer serve` serves at `/`. `npm run dev -w @coffer/web` serves it with
// hot reload and forwards the API to a `coffer serve --dev` on port 8200.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Inlined assets would need `data:` in the Content-Security-Policy; files need nothing more.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { "/v1": "http://127.0.0.1:8200", "/healthz": "http://127.0.0.1:8200" },
  },
});
