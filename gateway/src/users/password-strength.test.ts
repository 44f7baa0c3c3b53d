import { describe, expect, it } from 'vitest';
import { checkPasswordStrength, MIN_CHOSEN_PASSWORD_LENGTH } from './password-strength.ts';

const identity = { username: 'jordan.lee', email: 'Jordan.Lee@example.org' };
const refusal = (password: string, who: { username?: string | null; email?: string | null } = identity) => {
  try {
    checkPasswordStrength(password, who);
    return 'accepted';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('password strength', () => {
  it('accepts a long password of unrelated words', () => {
    expect(refusal('lantern orbit pickle')).toBe('accepted');
    expect(refusal('x'.repeat(11) + 'y')).toBe('accepted');
  });

  it(`needs ${MIN_CHOSEN_PASSWORD_LENGTH} characters, counted as a person sees them`, () => {
    expect(MIN_CHOSEN_PASSWORD_LENGTH).toBe(12);
    expect(refusal('short words')).toBe('password: must be at least 12 characters');
    expect(refusal('e\u0301'.repeat(11))).toBe('password: must be at least 12 characters');
    expect(refusal('e\u0301'.repeat(12))).toBe('password: is a commonly used password; choose another');
  });

  it.each(['password1234', 'Password1234', 'PASSWORD1234!', 'qwertyuiop123', 'correct horse battery staple', 'CorrectHorseBatteryStaple99', 'aaaaaaaaaaaaaaa', '111111111111'])(
    'refuses the common password %j',
    (password) => {
      expect(refusal(password)).toBe('password: is a commonly used password; choose another');
    },
  );

  it.each(['my jordan.lee secret', 'JORDAN.LEE is here', 'jordan.lee@example.org!!', 'xx-Jordan.Lee-xx'])('refuses %j (contains the username or email)', (password) => {
    expect(refusal(password)).toBe('password: must not contain your username or email address');
  });

  it('refuses a password containing the local part of the email even when the username differs', () => {
    expect(refusal('sunny pat.morgan days', { username: 'pmorgan', email: 'pat.morgan@example.org' })).toBe(
      'password: must not contain your username or email address',
    );
  });

  it('ignores identity parts too short to matter', () => {
    expect(refusal('go ahead and jump', { username: 'go', email: null })).toBe('accepted');
  });
});
