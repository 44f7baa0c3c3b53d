import type { OperationOutcome } from 'fhir/r4';
import type { Store } from '../lib/store.ts';
import { CACHED_AT_HEADER, noteResponse, type Connectivity } from '../offline/connectivity.ts';
import { ApiError, kindOfStatus } from './api-error.ts';

/** How pages talk to the gateway: FHIR paths are relative to the FHIR base, others start with `/`. */
export interface Api {
  /** The signed-in patient's id. */
  readonly patientId: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

export interface ApiDependencies {
  readonly fetch: typeof fetch;
  /** The FHIR base URL, absolute. */
  readonly fhirBase: string;
  readonly patientId: string;
  /** A current access token (refreshed when needed), or null when the session cannot continue. */
  readonly accessToken: () => Promise<string | null>;
  /** Called once a request proves the session is over (401). */
  readonly onSessionEnded: () => void;
  readonly connectivity: Store<Connectivity>;
}

/** An {@link Api} over `fetch` with the session's bearer token; errors become {@link ApiError}. */
export function createApi(deps: ApiDependencies): Api {
  const resolve = (path: string) => (path.startsWith('/') ? new URL(path, deps.fhirBase).href : `${deps.fhirBase.replace(/\/$/, '')}/${path}`);

  async function send<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const token = await deps.accessToken();
    if (!token) {
      deps.onSessionEnded();
      throw new ApiError('session-ended', 401);
    }
    const isFhir = !path.startsWith('/');
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: isFhir ? 'application/fhir+json' : 'application/json',
    };
    if (body !== undefined) headers['content-type'] = isFhir ? 'application/fhir+json' : 'application/json';
    let response: Response;
    try {
      response = await deps.fetch(resolve(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError('network', null);
    }
    if (!response.ok) {
      const error = new ApiError(kindOfStatus(response.status), response.status, await describeFailure(response));
      if (error.kind === 'session-ended') deps.onSessionEnded();
      throw error;
    }
    if (method === 'GET') {
      const cachedAt = response.headers.get(CACHED_AT_HEADER);
      noteResponse(deps.connectivity, cachedAt ? new Date(cachedAt) : null);
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  return {
    patientId: deps.patientId,
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body),
  };
}

/** The server's explanation in an OperationOutcome or an OAuth-style error body, if any. */
async function describeFailure(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as Partial<OperationOutcome> & { error?: string; error_description?: string };
    if (body.resourceType === 'OperationOutcome') {
      const issue = body.issue?.find((i) => i.diagnostics || i.details?.text);
      return issue?.diagnostics ?? issue?.details?.text;
    }
    return body.error_description ?? body.error;
  } catch {
    return undefined;
  }
}
