import type { Api } from '../fhir/api.ts';
import { ApiError } from '../fhir/api-error.ts';

/** A request a page made through the fake API. */
export interface Call {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
}

type Answer = ((call: Call) => unknown) | object | string | number | boolean | null;

/**
 * An {@link Api} for component tests: answers by the first route whose pattern matches
 * `METHOD path`, records every call. An answer that is an ApiError is thrown.
 */
export function fakeApi(patientId: string, routes: Array<[RegExp, Answer]>): Api & { calls: Call[] } {
  const calls: Call[] = [];
  const answer = async (call: Call) => {
    calls.push(call);
    const route = routes.find(([pattern]) => pattern.test(`${call.method} ${call.path}`));
    if (!route) throw new ApiError('not-found', 404, `no fake route for ${call.method} ${call.path}`);
    const value = typeof route[1] === 'function' ? (route[1] as (c: Call) => unknown)(call) : route[1];
    if (value instanceof ApiError) throw value;
    return structuredClone(value);
  };
  return {
    patientId,
    calls,
    get: <T>(path: string) => answer({ method: 'GET', path }) as Promise<T>,
    post: <T>(path: string, body: unknown) => answer({ method: 'POST', path, body }) as Promise<T>,
  };
}

/** A searchset Bundle of `resources`. */
export function bundle(resources: readonly object[]) {
  return { resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ resource })) };
}
