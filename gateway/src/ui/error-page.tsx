import { Layout } from './layout.tsx';

/** Shown instead of redirecting when the app or its redirect URI cannot be trusted. */
export function ErrorPage(props: { title: string; message: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p class="muted">If you followed a link from an app, contact the app's developer.</p>
    </Layout>
  );
}
