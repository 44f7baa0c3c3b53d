import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/** The portal's theme colour: white text on it has a contrast ratio of 7.4:1. */
const THEME_COLOR = '#0d5c63';

/** Text files worth compressing; images (PNG) are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt)$/;

/**
 * Writes a Brotli (`.br`) and a gzip (`.gz`) copy beside every text file of the build, so the
 * gateway can send them as they are (gateway/src/portal/portal-routes.tsx) instead of compressing
 * on every request. Runs after everything else has written its files (the PWA plugin writes sw.js
 * when the bundle closes), and skips files that would not get smaller.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'portico-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        for (const entry of fs.readdirSync(outDir, { recursive: true, withFileTypes: true })) {
          const file = path.join(entry.parentPath, entry.name);
          // The Vite manifest (dist/.vite) is for tools, not browsers.
          if (!entry.isFile() || !COMPRESSIBLE.test(entry.name) || path.relative(outDir, file).startsWith('.vite')) continue;
          const content = fs.readFileSync(file);
          const variants: [string, Buffer][] = [
            ['.br', zlib.brotliCompressSync(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length } })],
            ['.gz', zlib.gzipSync(content, { level: 9 })],
          ];
          for (const [suffix, compressed] of variants) {
            if (compressed.length < content.length) fs.writeFileSync(file + suffix, compressed);
          }
        }
      },
    },
  };
}

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
    precompress(),
  ],
});
