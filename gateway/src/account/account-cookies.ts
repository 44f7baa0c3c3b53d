import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { consoleKey, sameOriginForm, secureCookies, sign } from '../admin/console-auth.ts';
import type { Config } from '../config.ts';
import type { GatewayStore, UserRecord } from '../db/store.ts';
import { constantTimeEqual, newSecret } from '../oauth/secrets.ts';

const TICKET_MINUTES = 15;

/**
 * The account pages' two cookies, both HttpOnly and signed with the console key (kept in the
 * database): a random per-browser value whose HMAC is the CSRF token of every account form (these
 * pages have no session), and a short-lived MFA ticket naming the user who may set up two-step
 * verification in this browser — issued after accepting an invitation or proving the password. It
 * grants nothing else: it is not a sign-in.
 */
export function accountCookies(deps: { config: Config; store: GatewayStore; now: () => Date }) {
  const key = consoleKey(deps.store);
  const secure = secureCookies(deps.config);
  const prefix = secure ? '__Host-' : '';
  const names = { browser: `${prefix}portico_account`, ticket: `${prefix}portico_account_mfa` };
  const origin = new URL(deps.config.publicUrl).origin;
  const options = (maxAge: number) => ({ path: '/', httpOnly: true, secure, sameSite: 'Lax' as const, maxAge });

  const browserValue = (c: Context) => {
    let value = getCookie(c, names.browser);
    if (!value) {
      value = newSecret();
      setCookie(c, names.browser, value, options(24 * 3600));
    }
    return value;
  };

  return {
    /** The CSRF token for this browser's account forms (setting the browser cookie if needed). */
    async formToken(c: Context): Promise<string> {
      return sign(await key(), 'account-form', browserValue(c));
    },

    /** Whether a POST is a same-origin form carrying this browser's token. */
    async formIsGenuine(c: Context, form: URLSearchParams): Promise<boolean> {
      const value = getCookie(c, names.browser);
      return value !== undefined && sameOriginForm(c, origin) && constantTimeEqual(form.get('csrf') ?? '', sign(await key(), 'account-form', value));
    },

    /** Lets `user` set up MFA in this browser for the next 15 minutes. */
    async issueTicket(c: Context, user: UserRecord): Promise<void> {
      const expires = deps.now().getTime() + TICKET_MINUTES * 60_000;
      const mac = sign(await key(), 'account-mfa', `${user.id}.${expires}.${browserValue(c)}`);
      setCookie(c, names.ticket, `${user.id}.${expires}.${mac}`, options(TICKET_MINUTES * 60));
    },

    /** The user this browser's ticket names, if it is genuine, unexpired and the user is enabled. */
    async ticketUser(c: Context): Promise<UserRecord | undefined> {
      const browser = getCookie(c, names.browser);
      const [userId = '', expires = '', mac = ''] = (getCookie(c, names.ticket) ?? '').split('.');
      if (!browser || !constantTimeEqual(mac, sign(await key(), 'account-mfa', `${userId}.${expires}.${browser}`))) return undefined;
      if (!(Number(expires) > deps.now().getTime())) return undefined;
      const user = await deps.store.users.findById(userId);
      return user && user.disabledAt === null ? user : undefined;
    },

    /** What ties an MFA enrolment to this browser (the browser cookie's value). */
    binding(c: Context): string {
      return browserValue(c);
    },

    clearTicket(c: Context): void {
      deleteCookie(c, names.ticket, { path: '/', secure });
    },
  };
}

export type AccountCookies = ReturnType<typeof accountCookies>;
