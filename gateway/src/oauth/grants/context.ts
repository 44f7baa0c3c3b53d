import type { GatewayStore } from '../../db/store.ts';
import type { Lifetimes } from '../../config.ts';
import type { AuthenticatedClient } from '../client-auth.ts';
import type { IssueDeps } from '../tokens/token-response.ts';

/** What every grant handler needs: the authenticated client, the request form, and the issuer's parts. */
export interface GrantContext {
  readonly client: AuthenticatedClient;
  readonly form: URLSearchParams;
  readonly store: GatewayStore;
  readonly issue: IssueDeps;
  readonly lifetimes: Lifetimes;
  readonly now: () => Date;
}
