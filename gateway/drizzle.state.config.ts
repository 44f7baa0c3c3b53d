import { defineConfig } from 'drizzle-kit';

// Gateway state (clients, users, keys…) on SQLite. Regenerate with `npm run db:generate`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './gateway/src/db/sqlite/schema.ts',
  out: './gateway/migrations/sqlite',
});
