import { PageHeading } from '../components/page-heading.tsx';

/** Any unknown address below /portal/. */
export default function NotFoundPage() {
  return (
    <>
      <PageHeading title="Page not found">Page not found</PageHeading>
      <p>There is no page at this address.</p>
      <a href="/portal/">Go to your home page</a>
    </>
  );
}
