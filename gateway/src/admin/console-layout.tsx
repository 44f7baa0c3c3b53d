import type { Child } from 'hono/jsx';
import type { UserRecord } from '../db/store.ts';
import { CsrfField } from '../ui/layout.tsx';

/** What every signed-in console page is framed with: who is signed in, and the session's CSRF token for its forms. */
export interface ConsoleFrame {
  readonly user: UserRecord;
  readonly csrf: string;
}

/** The console's sections; `nav` names the one a page belongs to. */
export type ConsoleSection = 'apps' | 'users' | 'outbox' | 'audit' | 'patients';

const SECTIONS: readonly { key: ConsoleSection; label: string; href: string; roles: readonly UserRecord['role'][] }[] = [
  { key: 'apps', label: 'Apps', href: '/admin/apps', roles: ['admin'] },
  { key: 'users', label: 'Users', href: '/admin/users', roles: ['admin'] },
  { key: 'outbox', label: 'Outbox', href: '/admin/outbox', roles: ['admin'] },
  { key: 'audit', label: 'Audit log', href: '/admin/audit', roles: ['admin'] },
  { key: 'patients', label: 'Patients', href: '/admin/launch', roles: ['practitioner'] },
];

/**
 * The frame of every console page: the shared stylesheet plus the console's own (wider pages,
 * tables), the sections the user's role may open, and a sign-out form. No JavaScript.
 */
export function ConsoleLayout(props: { title: string; user?: UserRecord; csrf?: string; nav?: ConsoleSection; children: Child }) {
  const { user } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · Portico console`}</title>
        <link rel="icon" href="/ui/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/ui/portico.css" />
        <link rel="stylesheet" href="/admin/console.css" />
      </head>
      <body class="console">
        <header class="brand console-bar">
          <span>
            <span aria-hidden="true">◆</span> Portico console
          </span>
          {user ? (
            <nav aria-label="Console">
              <ul>
                {SECTIONS.filter((s) => s.roles.includes(user.role)).map((s) => (
                  <li>
                    <a href={s.href} aria-current={props.nav === s.key ? 'page' : undefined}>
                      {s.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {user && props.csrf ? (
            <form method="post" action="/admin/sign-out" class="sign-out">
              <CsrfField token={props.csrf} />
              <span class="muted">{user.username}</span>
              <button type="submit" class="secondary">
                Sign out
              </button>
            </form>
          ) : null}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** A one-line confirmation after an action, announced to screen readers. */
export function Notice(props: { message?: string | null }) {
  return props.message ? (
    <p class="notice" role="status">
      {props.message}
    </p>
  ) : null;
}
