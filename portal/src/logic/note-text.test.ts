import { describe, expect, it } from 'vitest';
import type { DocumentReference } from 'fhir/r4';
import { decodeBase64Text, noteText } from './note-text.ts';

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const doc = (attachment: object): DocumentReference => ({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment }] });

describe('noteText', () => {
  it('decodes UTF-8 text from base64', () => {
    expect(noteText(doc({ contentType: 'text/plain; charset=utf-8', data: base64('Temperature 36.8 °C — fine') }))).toEqual({
      kind: 'text',
      text: 'Temperature 36.8 °C — fine',
    });
  });

  it('explains documents it cannot show', () => {
    expect(noteText(doc({ contentType: 'application/pdf', url: 'https://x.example/a.pdf' })).kind).toBe('unavailable');
    expect(noteText(doc({ contentType: 'text/plain', data: '!!!not base64' }))).toEqual({ kind: 'unavailable', reason: 'This note could not be decoded.' });
  });

  it('refuses bytes that are not valid in the charset', () => {
    expect(() => decodeBase64Text(btoa('\xff\xfe\xfd'), 'utf-8')).toThrow();
  });
});
