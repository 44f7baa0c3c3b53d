import { PageHeading } from '../components/page-heading.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { loadNotes } from '../fhir/notes.ts';
import { loadPractitioners } from '../fhir/practitioners.ts';
import { formatDate } from '../lib/format.ts';
import { useLoad } from '../lib/use-load.ts';
import { idOf } from '../logic/names.ts';
import { noteTitle } from '../logic/note-text.ts';
import { usePortal } from '../portal-context.ts';

/** The patient's clinical notes: type, author and date; unread ones marked. */
export default function NotesPage() {
  const { api, readState, timeZone } = usePortal();
  const data = useLoad(async () => {
    const [notes, names] = await Promise.all([loadNotes(api), loadPractitioners(api)]);
    return { notes, names };
  }, [api]);

  return (
    <>
      <PageHeading title="Notes">Notes</PageHeading>
      {data.status === 'loading' && <Loading what="notes" />}
      {data.status === 'error' && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {data.status === 'ready' && data.data.notes.length === 0 && <p>You have no notes yet.</p>}
      {data.status === 'ready' && data.data.notes.length > 0 && (
        <ul class="list">
          {data.data.notes.map((note) => {
            const authorId = note.author?.map((a) => idOf(a, 'Practitioner')).find(Boolean);
            const author = (authorId && data.data.names.get(authorId)) ?? note.author?.[0]?.display ?? 'the clinic';
            const unread = !!note.id && !readState.isRead(note.id);
            return (
              <li key={note.id} class={`list-item${unread ? ' unread' : ''}`}>
                <a href={`/portal/notes/${encodeURIComponent(note.id ?? '')}`}>
                  {noteTitle(note)}
                  {note.description && note.description !== noteTitle(note) ? `: ${note.description}` : ''}
                </a>
                {unread && <span class="badge">Unread</span>}
                <p class="muted">
                  By {author}
                  {note.date && <>, {formatDate(note.date, timeZone)}</>}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
