import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { OfflineBanner } from './offline-banner.tsx';

const NAV = [
  ['/portal/', 'Home'],
  ['/portal/appointments', 'Appointments'],
  ['/portal/vitals', 'Vital signs'],
  ['/portal/notes', 'Notes'],
  ['/portal/apps', 'Connected apps'],
] as const;

/** The signed-in frame: skip link, header with navigation and sign-out, offline banner, main. */
export function Layout({ children, onSignOut, timeZone, extra }: { children: ComponentChildren; onSignOut: () => Promise<void>; timeZone?: string; extra?: ComponentChildren }) {
  const { path } = useLocation();
  const [signingOut, setSigningOut] = useState(false);
  const current = (href: string) => (href === '/portal/' ? path === '/portal/' || path === '/portal' : path.startsWith(href));
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="brand">
          <img src="/portal/favicon.svg" alt="" width="28" height="28" />
          <span>Portico</span>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={current(href) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="button-secondary sign-out"
          disabled={signingOut}
          onClick={async () => {
            setSigningOut(true);
            await onSignOut();
          }}
        >
          {signingOut ? 'Signing out…' : 'Sign out'}
        </button>
      </header>
      <OfflineBanner timeZone={timeZone} />
      {extra}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
