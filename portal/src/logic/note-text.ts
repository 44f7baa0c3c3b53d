import type { Attachment, DocumentReference } from 'fhir/r4';

/** A note's readable content: its text, or why it cannot be shown here. */
export type NoteText = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * Decodes a note's first plain-text attachment (base64 `data`, UTF-8 unless the content type names
 * another charset). The result is shown as text, never parsed as HTML.
 */
export function noteText(document: DocumentReference): NoteText {
  const attachments = document.content.map((c) => c.attachment);
  const plain = attachments.find((a) => isPlainText(a) && a.data);
  if (plain?.data) {
    try {
      return { kind: 'text', text: decodeBase64Text(plain.data, charsetOf(plain.contentType)) };
    } catch {
      return { kind: 'unavailable', reason: 'This note could not be decoded.' };
    }
  }
  if (attachments.some((a) => a.url)) return { kind: 'unavailable', reason: 'This document is stored elsewhere and cannot be shown in the portal. Please ask the clinic for a copy.' };
  return { kind: 'unavailable', reason: 'This document has no text the portal can show. Please ask the clinic for a copy.' };
}

function isPlainText(attachment: Attachment): boolean {
  return (attachment.contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'text/plain';
}

function charsetOf(contentType: string | undefined): string {
  const match = /charset\s*=\s*"?([\w-]+)"?/i.exec(contentType ?? '');
  return match?.[1] ?? 'utf-8';
}

/** Base64 → bytes → text in `charset`; throws on malformed base64 or bytes invalid in the charset. */
export function decodeBase64Text(base64: string, charset = 'utf-8'): string {
  const binary = atob(base64.replace(/\s+/g, ''));
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  return new TextDecoder(charset, { fatal: true }).decode(bytes);
}

/** A note's title: its type, else its description. */
export function noteTitle(document: DocumentReference): string {
  return document.type?.text ?? document.type?.coding?.[0]?.display ?? document.description ?? 'Clinical document';
}
