import type { Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { UserRecord } from '../db/store.ts';
import { ConsoleLayout } from './console-layout.tsx';

/**
 * Renders a console page: never cached (it shows who is signed in and practice data), status as given.
 * Framing is refused by the app-wide page headers (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
 */
export async function consolePage(c: Context, page: JSX.Element, status: 200 | 400 | 403 | 404 | 409 | 429 = 200): Promise<Response> {
  c.header('Cache-Control', 'no-store');
  // JSX renders no doctype; without one browsers lay the page out in quirks mode.
  return c.html(`<!doctype html>${await page}`, status);
}

/** 403: signed in, but the console (or this part of it) is not for this role, or a form's CSRF token did not match. */
export function ForbiddenPage(props: { user?: UserRecord; csrf?: string; reason?: 'role' | 'csrf' }) {
  const csrf = props.reason === 'csrf';
  return (
    <ConsoleLayout title={csrf ? 'This form has expired' : 'Not available'} user={props.user} csrf={props.csrf}>
      <h1>{csrf ? 'This form has expired' : 'This page is not available to you'}</h1>
      <p>
        {csrf
          ? 'Reload the page and try again.'
          : props.user?.role === 'patient'
            ? 'The console is for practice staff. Your own records are in the patient portal.'
            : 'Your account does not have access to this part of the console.'}
      </p>
      {props.user?.role === 'patient' ? (
        <p>
          <a href="/portal/">Go to the patient portal</a>
        </p>
      ) : null}
    </ConsoleLayout>
  );
}

/** 404 inside the console (an app or page that does not exist). */
export function ConsoleNotFoundPage(props: { user?: UserRecord; csrf?: string; what: string }) {
  return (
    <ConsoleLayout title="Not found" user={props.user} csrf={props.csrf}>
      <h1>Not found</h1>
      <p>{props.what}</p>
    </ConsoleLayout>
  );
}
