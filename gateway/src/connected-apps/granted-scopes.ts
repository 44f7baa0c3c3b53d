import { describeScope } from '@portico/shared/smart/scope-descriptions';
import { parseScope } from '@portico/shared/smart/scopes';
import type { GrantedScope } from '@portico/shared/portal/connected-apps';

/**
 * Scopes that reach no health data by themselves: identity, launch context and how long access
 * lasts. A grant left with only these is pointless, so removing its last data scope revokes it.
 */
export function carriesData(scope: string): boolean {
  const parsed = parseScope(scope);
  // An unrecognised scope may mean anything to some server: treat it as data, not as harmless.
  return parsed === undefined || parsed.kind === 'resource';
}

/** The scopes, each with the plain-language wording the consent screen uses. */
export function grantedScopes(scopes: readonly string[]): GrantedScope[] {
  return scopes.map((scope) => {
    const parsed = parseScope(scope);
    return { scope, description: parsed === undefined ? scope : describeScope(parsed).title };
  });
}

/** The distinct scopes of a space-separated scope string, in order. */
export function scopeList(scope: string): string[] {
  return [...new Set(scope.split(' ').filter((s) => s !== ''))];
}
