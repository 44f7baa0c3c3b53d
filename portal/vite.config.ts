import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/** The portal's theme colour: white text on it has a contrast ratio of 7.4:1. */
const THEME_COLOR = '#0d5c63';

export default defineConfig({
  base: '/portal/',
  define: {
    // fhirclient's "pure" browser build: no fetch/AbortController polyfills in the bundle.
    FHIRCLIENT_PURE: 'true',
  },
  resolve: {
    alias: {
      // fhirclient falls back to this polyfill only where crypto.subtle is missing; every browser
      // the portal supports has it (secure contexts), so the polyfill is left out of the bundle.
      'isomorphic-webcrypto': fileURLToPath(new URL('./src/smart/webcrypto.ts', import.meta.url)),
    },
  },
  build: { target: 'es2022', sourcemap: false, manifest: true },
  plugins: [
    preact(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        id: '/portal/',
        name: 'Portico patient portal',
        short_name: 'Portico',
        description: 'Your appointments, vital signs, clinical notes and connected apps at Harbor Street Clinic.',
        lang: 'en',
        start_url: '/portal/',
        scope: '/portal/',
        display: 'standalone',
        theme_color: THEME_COLOR,
        background_color: '#ffffff',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
      },
      devOptions: { enabled: false },
    }),
  ],
});
