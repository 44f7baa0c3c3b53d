import type { ConnectedApp, ConnectedAppsResponse } from '@portico/shared/portal/connected-apps';
import type { Api } from '../fhir/api.ts';

/** The connected-apps API of the gateway (`/api/me/apps`); the portal's own token authorises it. */
export async function loadConnectedApps(api: Api): Promise<readonly ConnectedApp[]> {
  return (await api.get<ConnectedAppsResponse>('/api/me/apps')).apps;
}

/** Ends every grant of the app for this patient. */
export function revokeApp(api: Api, clientId: string): Promise<ConnectedApp> {
  return api.post<ConnectedApp>(`/api/me/apps/${encodeURIComponent(clientId)}/revoke`, {});
}

/** Takes one permission away from the app. */
export function removeScope(api: Api, clientId: string, scope: string): Promise<ConnectedApp> {
  return api.post<ConnectedApp>(`/api/me/apps/${encodeURIComponent(clientId)}/remove-scope`, { scope });
}
