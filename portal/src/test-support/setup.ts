import { cleanup } from '@testing-library/preact';
import { afterEach } from 'vitest';

// Each test starts from an empty page and empty storage (no vitest globals, so no auto-cleanup).
afterEach(() => {
  cleanup();
  localStorage.clear();
  sessionStorage.clear();
});
