/**
 * Which notes the patient has opened, kept per patient in localStorage as note ids only (never
 * content). Survives reloads and expired sessions; sign-out wipes localStorage as a whole.
 */
export interface ReadState {
  isRead(noteId: string): boolean;
  markRead(noteId: string): void;
  /** How many of `noteIds` have not been opened. */
  unreadCount(noteIds: readonly string[]): number;
}

export const readStateKey = (patientId: string) => `portico.notes-read.${patientId}`;

/** The read state of `patientId`'s notes in `storage`. */
export function createReadState(storage: Storage, patientId: string): ReadState {
  const key = readStateKey(patientId);
  const load = (): Set<string> => {
    try {
      const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
      return new Set(Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : []);
    } catch {
      return new Set();
    }
  };
  return {
    isRead: (noteId) => load().has(noteId),
    markRead(noteId) {
      const ids = load();
      if (ids.has(noteId)) return;
      ids.add(noteId);
      try {
        storage.setItem(key, JSON.stringify([...ids]));
      } catch {
        // Storage full or disabled: the note just stays marked unread.
      }
    },
    unreadCount(noteIds) {
      const ids = load();
      return noteIds.filter((id) => !ids.has(id)).length;
    },
  };
}
