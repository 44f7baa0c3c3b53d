import { screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { bundle, fakeApi } from '../test-support/fake-api.ts';
import { renderPage } from '../test-support/render-page.tsx';
import NotePage from './note-page.tsx';
import NotesPage from './notes-page.tsx';

const text = 'Assessment: fine.\n<img src=x onerror="alert(1)"> <b>not bold</b>';
const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const note = {
  resourceType: 'DocumentReference',
  id: 'n1',
  status: 'current',
  type: { text: 'Progress note' },
  description: 'Routine follow-up',
  date: '2026-02-10T10:40:00Z',
  author: [{ reference: 'Practitioner/chen' }],
  content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: base64 } }],
};
const practitioner = { resourceType: 'Practitioner', id: 'chen', name: [{ prefix: ['Dr.'], given: ['Maya'], family: 'Chen' }] };
const api = () =>
  fakeApi('p1', [
    [/^GET DocumentReference\/n1$/, note],
    [/^GET DocumentReference\?patient=p1/, bundle([note, { ...note, id: 'n2' }])],
    [/^GET Practitioner\?/, bundle([practitioner])],
  ]);

describe('notes', () => {
  it('lists notes with type, author, date and unread marks', async () => {
    localStorage.setItem('portico.notes-read.p1', '["n2"]');
    renderPage(<NotesPage />, api());
    const links = await screen.findAllByRole('link', { name: 'Progress note: Routine follow-up' });
    expect(links).toHaveLength(2);
    expect(screen.getAllByText('By Dr. Maya Chen, Tue, 10 Feb 2026')).toHaveLength(2);
    expect(screen.getAllByText('Unread')).toHaveLength(1);
  });

  it('shows a note’s text as text, never as HTML, and marks it read', async () => {
    const { container } = renderPage(<NotePage id="n1" />, api());
    const body = await screen.findByRole('article', { name: 'Progress note' });
    expect(body.textContent).toBe(text);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    await waitFor(() => expect(JSON.parse(localStorage.getItem('portico.notes-read.p1') ?? '[]')).toEqual(['n1']));
  });
});
