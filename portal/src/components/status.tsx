import { explain } from '../fhir/api-error.ts';

/** A polite "loading" line for screen readers and eyes alike. */
export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** An error explained in plain words, with a way to try again. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, text } = explain(error);
  return (
    <div class="notice notice-error" role="alert">
      <p class="notice-title">{title}</p>
      <p>{text}</p>
      {onRetry && (
        <button type="button" class="button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
