import { render } from 'preact';
import { App } from './app.tsx';
import { connectivity, watchNetwork } from './offline/connectivity.ts';
import { session, startSession } from './smart/session.ts';
import './styles.css';

// Finish a sign-in (or resume this tab's session) before the router reads the address:
// fhirclient removes `code` and `state` from it with history.replaceState.
session.set(await startSession());
watchNetwork(connectivity);
// A new task for the first render: evaluating the start-up code (fhirclient included), restoring
// the session and rendering the signed-in shell (which starts loading the page's chunks) used to be
// one long task that blocked the main thread for ~700 ms on a throttled phone (Lighthouse).
await new Promise((resolve) => setTimeout(resolve, 0));
render(<App />, document.getElementById('app')!);
