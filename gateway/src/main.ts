import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openGateway, SOFTWARE_VERSION } from './gateway.ts';
import { createLogger } from './log.ts';
import { ensurePortalBuilt } from './portal/portal-build.ts';
import { createProgress } from './progress.ts';
import { DEMO_USERS } from './seed/demo-users.ts';
import { seedDemo } from './seed/seed-demo.ts';

/** `npm start`: configuration → database and keys → demo data → HTTP server. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger();
  if (config.portalBuild === 'auto') {
    await ensurePortalBuilt({ portalDir: fileURLToPath(new URL('../../portal', import.meta.url)), log: (line) => process.stderr.write(`${line}\n`) });
  }
  const gateway = await openGateway(config, { log });
  if (config.seed === 'demo') {
    await seedDemo(gateway, (total) => createProgress('Seeding demo data', total));
  }

  const server = serve(
    {
      fetch: gateway.app.fetch,
      port: config.port,
      hostname: config.host,
      // Bounded header and request time: slow clients cannot hold sockets open (slowloris).
      serverOptions: { headersTimeout: 20_000, requestTimeout: 60_000, keepAliveTimeout: 5_000 },
    },
    () => printBanner(config),
  );
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') fail(new ConfigError('PORT', `${config.port} is already in use on ${config.host}`));
    if (error.code === 'EACCES') fail(new ConfigError('PORT', `no permission to listen on ${config.port}`));
    if (error.code === 'EADDRNOTAVAIL') fail(new ConfigError('HOST', `${config.host} is not an address of this machine`));
    fail(error);
  });

  const shutdown = (signal: string) => {
    log.info('shutting down', { signal });
    // Stop accepting connections, let requests in flight finish, then close the database.
    server.close(() => void gateway.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

function printBanner(config: Config): void {
  const lines = [
    '',
    `Portico ${SOFTWARE_VERSION} is listening on http://${config.host}:${config.port}`,
    `  FHIR base      ${config.fhirBaseUrl}`,
    `  Portal         ${config.publicUrl}/portal/`,
    `  Admin console  ${config.publicUrl}/admin/`,
    `  Database       ${config.database.kind === 'sqlite' ? config.database.path : 'PostgreSQL'}`,
  ];
  if (config.seed === 'demo') {
    lines.push('', 'Demo sign-ins (synthetic data only):');
    for (const user of DEMO_USERS) lines.push(`  ${user.username.padEnd(9)} ${user.password.padEnd(24)} ${user.description}`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

function fail(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`Portico cannot start: ${error.message}\n`);
  } else {
    process.stderr.write(`Portico cannot start: ${(error as Error)?.message ?? String(error)}\n`);
  }
  process.exit(1);
}

main().catch(fail);
