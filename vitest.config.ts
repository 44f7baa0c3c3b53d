import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'gateway',
          include: ['gateway/src/**/*.test.ts', 'shared/src/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The portal's components are Preact, not hono/jsx.
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        test: {
          name: 'portal',
          include: ['portal/src/**/*.test.ts', 'portal/src/**/*.test.tsx'],
          environment: 'happy-dom',
          setupFiles: ['portal/src/test-support/setup.ts'],
        },
      },
    ],
  },
});
