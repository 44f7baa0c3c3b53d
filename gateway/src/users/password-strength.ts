import { ValidationError } from '../validation-error.ts';

/** The shortest password accepted when a person chooses one (invitation, self-registration). */
export const MIN_CHOSEN_PASSWORD_LENGTH = 12;

/**
 * The rule as a person reads it on the form (NIST SP 800-63B §5.1.1.2: length and a blocklist, no
 * composition rules).
 */
export const PASSWORD_RULE =
  `At least ${MIN_CHOSEN_PASSWORD_LENGTH} characters. Not a commonly used password, and not containing your username or email address. ` +
  'A few unrelated words make a good password.';

// Passwords of 12 characters or more that top the published breach lists (and their obvious
// variants are caught by the normalisation below). Shorter ones are refused by length already.
const COMMON = new Set([
  '123456789012', '1234567890123', '12345678901234', '123456789123', '111111111111', '000000000000',
  '123123123123', '121212121212', '987654321098', '098765432109', '123412341234', '112233445566',
  'password1234', 'passwordpassword', 'password12345', 'password123456', 'mypassword123', 'thisismypassword',
  'qwertyuiop12', 'qwertyuiop123', 'qwertyuiopasdf', 'qwertyqwerty', 'qwerty123456', 'asdfghjkl123',
  'asdfasdfasdf', 'zxcvbnm12345', '1q2w3e4r5t6y', '1qaz2wsx3edc', 'qazwsxedcrfv', 'q1w2e3r4t5y6',
  'iloveyou1234', 'iloveyouforever', 'letmein12345', 'welcome12345', 'welcometoportico', 'changeme1234',
  'administrator', 'administrator1', 'admin1234567', 'adminadmin123', 'superman1234', 'batman123456',
  'football1234', 'baseball1234', 'basketball12', 'sunshine1234', 'princess1234', 'starwars1234',
  'trustno1trustno1', 'monkey123456', 'dragon123456', 'shadow123456', 'michael12345', 'jennifer1234',
  'abcdefghijkl', 'abcdefghijklm', 'abc123abc123', 'abcd1234abcd', 'aaaaaaaaaaaa', 'abcabcabcabc',
  'correcthorsebatterystaple', 'letmeinletmein', 'passw0rdpassw0rd', 'p@ssw0rd1234', 'p@ssword1234',
  'portico-password', 'porticopassword', 'healthcare123', 'hospital1234', 'patient12345', 'doctor123456',
  'nurse1234567', 'medical12345', 'summer202420', 'winter202420', 'spring202420', 'autumn202420',
]);

/** How a password is compared with the list: case-folded, without spaces and trailing digits or symbols. */
function normalised(password: string): string[] {
  const folded = password.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
  return [folded, folded.replace(/[!?.@#$%^&*_-]+$/, ''), folded.replace(/[\d!?.@#$%^&*_-]+$/, '')];
}

/**
 * Refuses a password a person chose that breaks {@link PASSWORD_RULE}, with a {@link ValidationError}
 * on `password` saying which part. `identity` is what the password must not contain: the username
 * and the email address (its local part too).
 */
export function checkPasswordStrength(password: string, identity: { username?: string | null; email?: string | null }): void {
  if ([...password.normalize('NFC')].length < MIN_CHOSEN_PASSWORD_LENGTH) {
    throw new ValidationError('password', `must be at least ${MIN_CHOSEN_PASSWORD_LENGTH} characters`);
  }
  const forms = normalised(password);
  if (forms.some((form) => COMMON.has(form)) || /^(.)\1+$/u.test(forms[0]!)) {
    throw new ValidationError('password', 'is a commonly used password; choose another');
  }
  const email = identity.email?.trim().toLowerCase();
  const names = [identity.username?.trim().toLowerCase(), email, email?.split('@')[0]].filter((n): n is string => !!n && n.length >= 3);
  if (names.some((name) => forms[0]!.includes(name.replace(/\s+/g, '')))) {
    throw new ValidationError('password', 'must not contain your username or email address');
  }
}
