import { useState } from 'preact/hooks';
import { PageHeading } from '../components/page-heading.tsx';

/** Why the patient sees the sign-in page. */
export type SessionReason = 'signed-out' | 'denied' | 'ended' | 'failed' | 'goodbye';

const TEXT: Readonly<Record<SessionReason, { title: string; body: string }>> = {
  'signed-out': {
    title: 'Welcome to your patient portal',
    body: 'See your appointments, vital signs and clinical notes, book a visit, and choose which apps may see your records.',
  },
  denied: {
    title: 'You did not allow the portal access',
    body: 'You chose not to let the patient portal see your records, so nothing was shared. You can sign in again whenever you like and allow access.',
  },
  ended: {
    title: 'Your session has ended',
    body: 'For your security you were signed out: the sign-in expired, was ended elsewhere, or its access was withdrawn. Please sign in again to continue.',
  },
  failed: {
    title: 'Signing in did not work',
    body: 'Something went wrong while signing you in. Nothing was shared. Please try again.',
  },
  goodbye: {
    title: 'You are signed out',
    body: 'You have signed out of the patient portal and of the clinic’s sign-in. Nothing of your records is kept on this device.',
  },
};

/** The page a patient sees when not signed in, and why. */
export default function SessionPage({ reason, detail, onSignIn }: { reason: SessionReason; detail?: string; onSignIn: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const text = TEXT[reason];
  async function signIn() {
    setBusy(true);
    setFailed(false);
    try {
      await onSignIn();
    } catch {
      setFailed(true);
      setBusy(false);
    }
  }
  return (
    <div class="session-page">
      <PageHeading title={text.title}>{text.title}</PageHeading>
      <p>{text.body}</p>
      {detail && <p class="muted">The clinic said: {detail}</p>}
      <button type="button" class="button-primary" onClick={signIn} disabled={busy} aria-busy={busy}>
        {busy ? 'Opening sign-in…' : reason === 'signed-out' ? 'Sign in' : 'Sign in again'}
      </button>
      {failed && (
        <p class="notice notice-error" role="alert">
          We could not reach the clinic’s sign-in. Check your connection and try again.
        </p>
      )}
    </div>
  );
}
