import { Layout } from '../ui/layout.tsx';

/** What `/portal/` shows when the portal's build output is missing (a checkout never built). */
export function PortalNotBuiltPage() {
  return (
    <Layout title="The patient portal is not built">
      <h1>The patient portal is not built</h1>
      <p>This gateway has no build of the patient portal to serve yet. Whoever runs it can build it with</p>
      <pre>
        <code>npm run build -w portal</code>
      </pre>
      <p>and reload this page. The FHIR API and app sign-in work meanwhile.</p>
    </Layout>
  );
}
