/** Messages between the page and the service worker. */
export type WorkerMessage = { readonly type: 'patient'; readonly patientId: string } | { readonly type: 'sign-out' };

/**
 * Tells the service worker something and waits for its acknowledgement (or, should an older worker
 * not answer, gives up after a moment: the message is a courtesy, never required for correctness).
 */
export async function tellServiceWorker(message: WorkerMessage): Promise<void> {
  const container = typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined;
  if (!container) return;
  const registration = await container.getRegistration('/portal/');
  const workers = [registration?.active, registration?.waiting, container.controller].filter((w, i, all): w is ServiceWorker => !!w && all.indexOf(w) === i);
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => resolve();
          setTimeout(resolve, 1500);
          worker.postMessage(message, [channel.port2]);
        }),
    ),
  );
}
