/**
 * The gateway's log: one line per event on stderr. Callers pass only what is safe to keep: never a
 * token, secret, query string or resource content (security-checklist item 98).
 */
export interface Logger {
  info(message: string, fields?: Record<string, string | number | boolean | undefined>): void;
  error(message: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const emit = (level: string, message: string, fields?: Record<string, string | number | boolean | undefined>) => {
    const details = Object.entries(fields ?? {})
      .filter(([, v]) => v !== undefined)
      // JSON-quoting keeps a CR/LF smuggled into a value inside one log line.
      .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`)
      .join(' ');
    write(`${new Date().toISOString()} ${level} ${JSON.stringify(message).slice(1, -1)}${details ? ' ' + details : ''}`);
  };
  return {
    info: (message, fields) => emit('info', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

export const silentLogger: Logger = { info() {}, error() {} };
