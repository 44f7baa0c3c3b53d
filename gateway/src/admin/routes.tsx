import fs from 'node:fs';
import { Hono } from 'hono';
import { appsRoutes } from './apps/routes.tsx';
import { auditRoutes } from './audit/routes.tsx';
import { consoleAuth, type ConsoleDeps, type ConsoleEnv } from './console-auth.ts';
import { grantsRoutes } from './grants/routes.tsx';
import { launchRoutes } from './launch/routes.tsx';
import { nextPage, signInRoutes } from './sign-in.tsx';
import { usersConsoleRoutes } from './users/routes.tsx';

const stylesheet = fs.readFileSync(new URL('./console.css', import.meta.url), 'utf8');

/**
 * The practice's console at `/admin`: server-rendered pages with plain HTML forms (no JavaScript,
 * one hidden CSRF field per form, a strict CSP). Admins manage apps, grants, users and read the audit
 * log; practitioners launch apps for patients; patients and anonymous browsers get no console.
 */
export function consoleRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/console.css', (c) => c.body(stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));
  app.route('/', signInRoutes(deps));

  // Mounted at '/admin/' (see app.ts), so that this is '/admin/' itself.
  app.get('/', consoleAuth(deps, { roles: ['admin', 'practitioner'] }), (c) => c.redirect(nextPage(undefined, c.get('user')), 303));

  app.route('/apps', appsRoutes(deps));
  app.route('/grants', grantsRoutes(deps));
  app.route('/launch', launchRoutes(deps));
  app.route('/audit', auditRoutes(deps));
  app.route('/', usersConsoleRoutes(deps));
  return app;
}
