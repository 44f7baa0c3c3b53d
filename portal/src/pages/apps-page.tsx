import type { ConnectedApp } from '@portico/shared/portal/connected-apps';
import { useState } from 'preact/hooks';
import { loadConnectedApps, removeScope, revokeApp } from '../apps/connected-apps.ts';
import { ConfirmPanel } from '../components/confirm-panel.tsx';
import { useOffline } from '../components/offline-banner.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { formatDate, formatDateTime } from '../lib/format.ts';
import { useLoad } from '../lib/use-load.ts';
import { accessDuration, describeAccess, isRemovableScope, revocationEffect } from '../logic/access-wording.ts';
import { usePortal } from '../portal-context.ts';

/** Connected apps (the SMART management_endpoint): what each app may see, its history, revoke. */
export default function AppsPage() {
  const { api } = usePortal();
  const data = useLoad(() => loadConnectedApps(api), [api]);
  // An app changed by a revoke or a removed permission replaces its row at once.
  const [changed, setChanged] = useState<Record<string, ConnectedApp>>({});

  return (
    <>
      <PageHeading title="Connected apps">Connected apps</PageHeading>
      <p>These apps can see some of your health records because you allowed them to. You can take that permission back at any time.</p>
      {data.status === 'loading' && <Loading what="your connected apps" />}
      {data.status === 'error' && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {data.status === 'ready' && data.data.length === 0 && <p>No apps are connected to your records.</p>}
      {data.status === 'ready' &&
        data.data.map((app) => <AppCard key={app.clientId} app={changed[app.clientId] ?? app} onChange={(next) => setChanged({ ...changed, [next.clientId]: next })} />)}
    </>
  );
}

type Pending = { readonly kind: 'revoke' } | { readonly kind: 'scope'; readonly scope: string; readonly description: string };

function AppCard({ app, onChange }: { app: ConnectedApp; onChange: (app: ConnectedApp) => void }) {
  const { api, now, timeZone } = usePortal();
  const offline = useOffline();
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const effect = revocationEffect(app, now(), timeZone);
  const headingId = `app-${app.clientId}`;

  async function confirm() {
    if (!pending) return;
    setBusy(true);
    setFailure(null);
    try {
      onChange(pending.kind === 'revoke' ? await revokeApp(api, app.clientId) : await removeScope(api, app.clientId, pending.scope));
      setPending(null);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card app" aria-labelledby={headingId}>
      <h2 id={headingId}>{app.name}</h2>
      {app.status === 'disabled' && (
        <p class="notice notice-warning">Your practice has turned this app off{app.disabledAt ? ` on ${formatDate(app.disabledAt, timeZone)}` : ''}. It cannot reach your records, whatever you allowed.</p>
      )}
      {effect && (
        <p class="notice notice-success" role="status">
          {effect}
        </p>
      )}
      <dl class="facts">
        <div>
          <dt>Allowed since</dt>
          <dd>{formatDateTime(app.grantedAt, timeZone)}</dd>
        </div>
        <div>
          <dt>Access lasts</dt>
          <dd>{accessDuration(app, timeZone)}</dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>{app.lastUsedAt ? formatDateTime(app.lastUsedAt, timeZone) : 'Never'}</dd>
        </div>
      </dl>
      {app.policyUri && (
        <p>
          <a href={app.policyUri} rel="noopener noreferrer" target="_blank">
            {app.name}’s privacy policy (opens in a new tab)
          </a>
        </p>
      )}
      {app.scopes.length > 0 && (
        <>
          <h3>What it may do</h3>
          <ul class="scopes">
            {app.scopes.map((s) => (
              <li key={s.scope}>
                <span>{s.description}</span>
                {app.status === 'active' && isRemovableScope(s.scope) && (
                  <button
                    type="button"
                    class="button-link"
                    disabled={offline || busy}
                    aria-label={`Remove this permission: ${s.description}`}
                    onClick={() => setPending({ kind: 'scope', scope: s.scope, description: s.description })}
                  >
                    Remove this permission
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>What it did</h3>
      {app.access.length === 0 ? (
        <p>It has not read or changed any of your records.</p>
      ) : (
        <ul class="history">
          {app.access.map((a) => (
            <li key={`${a.resourceType}-${a.action}`}>{describeAccess(a, timeZone)}</li>
          ))}
        </ul>
      )}
      {pending && (
        <ConfirmPanel
          title={pending.kind === 'revoke' ? `Revoke ${app.name}’s access?` : 'Remove this permission?'}
          confirmLabel={pending.kind === 'revoke' ? 'Yes, revoke access' : 'Yes, remove it'}
          cancelLabel="No, keep it"
          busy={busy}
          disabled={offline}
          onConfirm={confirm}
          onCancel={() => {
            setPending(null);
            setFailure(null);
          }}
        >
          <p>
            {pending.kind === 'revoke'
              ? `${app.name} will immediately lose access to your records. To use it again you will have to allow it again.`
              : `${app.name} will no longer be able to: ${pending.description}.`}
          </p>
          {failure !== null && <ErrorNotice error={failure} />}
        </ConfirmPanel>
      )}
      {app.status === 'active' && !pending && (
        <button type="button" class="button-danger" disabled={offline || busy} onClick={() => setPending({ kind: 'revoke' })} aria-label={`Revoke access for ${app.name}`}>
          Revoke access
        </button>
      )}
    </section>
  );
}
