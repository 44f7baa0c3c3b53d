/**
 * The app's redirect URI with authorization response parameters appended to its query (keeping any
 * query it was registered with) — never in the fragment. `iss` identifies this server so a client
 * talking to several can tell who answered (RFC 9207).
 */
export function redirectWithParams(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}
