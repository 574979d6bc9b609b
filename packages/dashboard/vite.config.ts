import { defineConfig } from 'vite';

// Served by Herald under /ui (packages/server/src/dashboard-static.ts); the API is on the same origin.
export default defineConfig({
  base: '/ui/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': 'http://127.0.0.1:8071' } },
});
