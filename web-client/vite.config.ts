/*
 * Build, dev server and unit tests of the phonghop web client.
 *
 * The server serves dist/ at `/`: index.html plus hashed files under dist/assets/. Routing is by
 * URL hash (#/bodies/3/meetings), so the server never needs to know client routes.
 *
 * `npm run dev` proxies /api and /ws to a running phonghop server, by default
 * http://127.0.0.1:8080 (set PHONGHOP_DEV_SERVER to change it).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const devServer = process.env['PHONGHOP_DEV_SERVER'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [svelte()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': { target: devServer, changeOrigin: false },
      '/ws': { target: devServer, ws: true, changeOrigin: false },
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    restoreMocks: true,
  },
});
