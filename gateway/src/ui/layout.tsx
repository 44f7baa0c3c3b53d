import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

/**
 * The frame of every server-rendered page: accessible, works without JavaScript, one stylesheet.
 * Starts with the doctype (JSX renders none; without it browsers use quirks mode) and names the
 * icon, so browsers do not go looking for /favicon.ico.
 */
export function Layout(props: { title: string; children: Child }) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{`${props.title} · Portico`}</title>
          <link rel="icon" href="/ui/favicon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/ui/portico.css" />
        </head>
        <body>
          <header class="brand">
            <span aria-hidden="true">◆</span> Portico
          </header>
          <main>{props.children}</main>
        </body>
      </html>
    </>
  );
}

/** A form's error line, announced to screen readers. */
export function Problem(props: { message?: string }) {
  return props.message ? (
    <p class="problem" role="alert">
      {props.message}
    </p>
  ) : null;
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="csrf" value={props.token} />;
}
