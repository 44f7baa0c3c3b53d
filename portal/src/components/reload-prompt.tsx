import { useRegisterSW } from 'virtual:pwa-register/preact';

/** Offers to switch to a newer version of the portal once its service worker is waiting. */
export function ReloadPrompt() {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({ immediate: true });
  if (!needRefresh) return null;
  return (
    <div class="update-prompt" role="status">
      <p>A new version of the portal is ready.</p>
      <div class="button-row">
        <button type="button" class="button-primary" onClick={() => void updateServiceWorker(true)}>
          Reload now
        </button>
        <button type="button" class="button-secondary" onClick={() => setNeedRefresh(false)}>
          Later
        </button>
      </div>
    </div>
  );
}
