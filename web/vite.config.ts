// Builds the web app into web/dist, which the server serves at `/`. `npx vite web` runs a dev
// server that proxies the WebSocket to a Parley server on :8080.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline script: a later CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    // The chat (index.html) and the admin console (admin.html, served at /admin).
    rollupOptions: { input: { main: `${import.meta.dirname}/index.html`, admin: `${import.meta.dirname}/admin.html` } },
  },
  server: {
    proxy: { '/ws': { target: 'ws://localhost:8080', ws: true } },
  },
});
