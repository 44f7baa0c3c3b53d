import { Component, type ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { Layout } from './components/layout.tsx';
import { ReloadPrompt } from './components/reload-prompt.tsx';
import { useStore } from './lib/store.ts';
import { createReadState } from './logic/read-state.ts';
import NotFoundPage from './pages/not-found-page.tsx';
import SessionPage from './pages/session-page.tsx';
import { PortalContext, type Portal } from './portal-context.ts';
import { session, signIn, signOutNow } from './smart/session.ts';

// Pages load on first visit: the start-up bundle holds only the shell and the sign-in.
const HomePage = lazy(() => import('./pages/home-page.tsx'));
const AppointmentsPage = lazy(() => import('./pages/appointments-page.tsx'));
const BookPage = lazy(() => import('./pages/book-page.tsx'));
const VitalsPage = lazy(() => import('./pages/vitals-page.tsx'));
const NotesPage = lazy(() => import('./pages/notes-page.tsx'));
const NotePage = lazy(() => import('./pages/note-page.tsx'));
const AppsPage = lazy(() => import('./pages/apps-page.tsx'));

/** The portal: the session decides between the sign-in pages and the signed-in routes. */
export function App() {
  return (
    <LocationProvider scope="/portal">
      <Shell />
    </LocationProvider>
  );
}

function Shell() {
  const current = useStore(session);
  const { path } = useLocation();

  if (current.status !== 'signed-in') {
    const reason = path === '/portal/signed-out' && current.status === 'signed-out' ? 'goodbye' : current.status;
    return (
      <>
        <ReloadPrompt />
        <main id="main" tabIndex={-1} class="narrow">
          <SessionPage reason={reason} detail={current.status === 'failed' ? current.message : undefined} onSignIn={signIn} />
        </main>
      </>
    );
  }
  return <SignedIn api={current.api} />;
}

function SignedIn({ api }: { api: Portal['api'] }) {
  const portal = useMemo<Portal>(() => ({ api, now: () => new Date(), readState: createReadState(localStorage, api.patientId), signOut: signOutNow }), [api]);
  return (
    <PortalContext.Provider value={portal}>
      <Layout onSignOut={portal.signOut} extra={<ReloadPrompt />}>
        <PageErrorBoundary>
          <Router>
            <Route path="/portal/" component={HomePage} />
            <Route path="/portal/appointments" component={AppointmentsPage} />
            <Route path="/portal/appointments/book" component={BookPage} />
            <Route path="/portal/vitals" component={VitalsPage} />
            <Route path="/portal/notes" component={NotesPage} />
            <Route path="/portal/notes/:id" component={NotePage} />
            <Route path="/portal/apps" component={AppsPage} />
            <Route default component={NotFoundPage} />
          </Router>
        </PageErrorBoundary>
      </Layout>
    </PortalContext.Provider>
  );
}

/** A page that fails to render (or to load its code) shows an explanation, never a blank page. */
class PageErrorBoundary extends Component<{ children: ComponentChildren }, { failed: boolean }> {
  override state = { failed: false };
  override componentDidCatch(error: unknown) {
    // preact-iso's lazy() suspends by throwing a promise (its Router handles those): not a failure.
    if (error instanceof Promise) return;
    this.setState({ failed: true });
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div class="notice notice-error" role="alert">
        <h1>Something went wrong</h1>
        <p>This page could not be shown. Please reload the page; if it happens again, the clinic can help.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
