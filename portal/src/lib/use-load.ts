import { useCallback, useEffect, useState } from 'preact/hooks';

/** A value being loaded: loading, loaded, or failed. */
export type Loaded<T> = { readonly status: 'loading' } | { readonly status: 'ready'; readonly data: T } | { readonly status: 'error'; readonly error: unknown };

/** Runs `load` when `deps` change; `reload` runs it again (keeping what is shown until it answers). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> & { reload: () => Promise<void> } {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    try {
      setState({ status: 'ready', data: await run() });
    } catch (error) {
      setState({ status: 'error', error });
    }
  }, [run]);
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    run().then(
      (data) => live && setState({ status: 'ready', data }),
      (error: unknown) => live && setState({ status: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [run]);
  return { ...state, reload };
}
