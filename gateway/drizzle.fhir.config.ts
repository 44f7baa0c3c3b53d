import { defineConfig } from 'drizzle-kit';

// The embedded FHIR store's tables. Regenerate with `npm run db:generate`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './gateway/src/fhir/local/schema.ts',
  out: './gateway/migrations/fhir-sqlite',
});
