import { defineConfig } from 'vite';
import tailwindcss from '@tailwindcss/vite';
import { VitePWA } from 'vite-plugin-pwa';

// Light theme values of the design tokens in src/styles.css; the installed
// app's title bar and splash use them.
const background = '#f7f6f3';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    // scripts/size.mjs reads the manifest to find the initial JavaScript.
    manifest: true,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    // `npm run dev` against a server on :8080 (go run ./cmd/bodydouble).
    proxy: {
      '/api': 'http://localhost:8080',
      '/ws': { target: 'ws://localhost:8080', ws: true },
    },
  },
  plugins: [
    tailwindcss(),
    VitePWA({
      strategies: 'generateSW',
      registerType: 'autoUpdate',
      // A <script src="/registerSW.js" defer>: nothing inline, so the CSP holds.
      injectRegister: 'script-defer',
      // The manifest icons are precached too (includeManifestIcons).
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'Body Double',
        short_name: 'Body Double',
        description: 'Work quietly alongside other people. Anonymous, camera optional.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: background,
        background_color: background,
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html}'],
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/^\/api(\/|$)/, /^\/ws(\/|$)/],
        cleanupOutdatedCaches: true,
        // A new version takes over at once; a tab still running the old one
        // reloads if it misses a lazy chunk (vite:preloadError in main.tsx).
        skipWaiting: true,
        clientsClaim: true,
      },
    }),
  ],
});
