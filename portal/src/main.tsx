import { render } from 'preact';
import { App } from './app.tsx';
import { connectivity, watchNetwork } from './offline/connectivity.ts';
import { session, startSession } from './smart/session.ts';
import './styles.css';

// Finish a sign-in (or resume this tab's session) before the router reads the address:
// fhirclient removes `code` and `state` from it with history.replaceState.
session.set(await startSession());
watchNetwork(connectivity);
render(<App />, document.getElementById('app')!);
