import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

let firstPage = true;

/**
 * A page's h1. Sets the document title and, after a route change (not on the first load), moves
 * keyboard and screen-reader focus to it so the new page is announced.
 */
export function PageHeading({ children, title, id }: { children: ComponentChildren; title: string; id?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — Portico patient portal`;
    if (firstPage) firstPage = false;
    else ref.current?.focus();
  }, [title]);
  return (
    <h1 ref={ref} id={id} tabIndex={-1}>
      {children}
    </h1>
  );
}
