import { beforeEach, describe, expect, it } from 'vitest';
import { createReadState, readStateKey } from './read-state.ts';

describe('read state', () => {
  beforeEach(() => localStorage.clear());

  it('remembers opened notes per patient, as ids only', () => {
    const amy = createReadState(localStorage, 'amy');
    const bob = createReadState(localStorage, 'bob');
    amy.markRead('n1');
    amy.markRead('n1');
    expect(amy.isRead('n1')).toBe(true);
    expect(bob.isRead('n1')).toBe(false);
    expect(amy.unreadCount(['n1', 'n2', 'n3'])).toBe(2);
    expect(JSON.parse(localStorage.getItem(readStateKey('amy'))!)).toEqual(['n1']);
  });

  it('treats unreadable stored state as nothing read', () => {
    localStorage.setItem(readStateKey('amy'), '{not json');
    expect(createReadState(localStorage, 'amy').unreadCount(['n1'])).toBe(1);
  });
});
