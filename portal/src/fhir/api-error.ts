/** What went wrong with a request, in the terms the pages explain to the patient. */
export type ApiErrorKind =
  | 'network' // no answer: offline or the server is down
  | 'session-ended' // 401: the sign-in ended or was revoked
  | 'forbidden' // 403: this sign-in may not do that
  | 'not-found' // 404
  | 'conflict' // 409: e.g. the slot was just taken
  | 'rejected' // 400 / 422: the server refused the content
  | 'server'; // 5xx

/** A failed portal request; `detail` is the server's own explanation when it gave one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number | null,
    readonly detail?: string,
  ) {
    super(detail ? `${kind}: ${detail}` : kind);
  }
}

/** The kind of error an HTTP status means. */
export function kindOfStatus(status: number): ApiErrorKind {
  if (status === 401) return 'session-ended';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'server';
  return 'rejected';
}

/** A short explanation for the patient of what an error means and what to do. */
export function explain(error: unknown): { title: string; text: string } {
  if (!(error instanceof ApiError)) {
    return { title: 'Something went wrong', text: 'The portal ran into an unexpected problem. Please reload the page.' };
  }
  switch (error.kind) {
    case 'network':
      return { title: 'You appear to be offline', text: 'We could not reach the clinic. Check your connection and try again.' };
    case 'session-ended':
      return { title: 'Your session has ended', text: 'Please sign in again to continue.' };
    case 'forbidden':
      return { title: 'Not allowed', text: 'Your sign-in does not allow this. If you think it should, please contact the clinic.' };
    case 'not-found':
      return { title: 'Not found', text: 'We could not find this. It may have been removed.' };
    case 'conflict':
      return { title: 'That changed meanwhile', text: error.detail ?? 'Someone changed this at the same time. Please try again.' };
    case 'rejected':
      return { title: 'The clinic could not accept this', text: error.detail ?? 'Please check what you entered and try again.' };
    case 'server':
      return { title: 'The clinic’s system has a problem', text: 'This is not your fault. Please try again in a few minutes.' };
  }
}
