import { useEffect } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { PageHeading } from '../components/page-heading.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { loadNote } from '../fhir/notes.ts';
import { loadPractitioners } from '../fhir/practitioners.ts';
import { formatDateTime } from '../lib/format.ts';
import { useLoad } from '../lib/use-load.ts';
import { idOf } from '../logic/names.ts';
import { noteText, noteTitle } from '../logic/note-text.ts';
import { usePortal } from '../portal-context.ts';

/** One note, its text decoded from the attachment and shown as text (never as HTML). */
export default function NotePage({ id: idProp }: { id?: string }) {
  const route = useRoute();
  const id = idProp ?? route.params.id ?? '';
  const { api, readState, timeZone } = usePortal();
  const data = useLoad(async () => {
    const [note, names] = await Promise.all([loadNote(api, id), loadPractitioners(api)]);
    return { note, names };
  }, [api, id]);

  useEffect(() => {
    if (data.status === 'ready' && data.data.note.id) readState.markRead(data.data.note.id);
  }, [data.status]);

  if (data.status === 'loading') {
    return (
      <>
        <PageHeading title="Note">Note</PageHeading>
        <Loading what="the note" />
      </>
    );
  }
  if (data.status === 'error') {
    return (
      <>
        <PageHeading title="Note">Note</PageHeading>
        <ErrorNotice error={data.error} onRetry={data.reload} />
        <a href="/portal/notes">Back to notes</a>
      </>
    );
  }
  const { note, names } = data.data;
  const authorId = note.author?.map((a) => idOf(a, 'Practitioner')).find(Boolean);
  const author = (authorId && names.get(authorId)) ?? note.author?.[0]?.display ?? 'the clinic';
  const content = noteText(note);
  return (
    <>
      <PageHeading title={noteTitle(note)} id="note-title">
        {noteTitle(note)}
      </PageHeading>
      <p class="muted">
        {note.description && <>{note.description} — </>}by {author}
        {note.date && <>, {formatDateTime(note.date, timeZone)}</>}
      </p>
      {content.kind === 'text' ? (
        // An article named by the note's title; focusable so a keyboard can scroll a long note.
        <article class="note-text" tabIndex={0} aria-labelledby="note-title">
          {content.text}
        </article>
      ) : (
        <p class="notice">{content.reason}</p>
      )}
      <p>
        <a href="/portal/notes">Back to notes</a>
      </p>
    </>
  );
}
