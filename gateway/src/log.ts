/**
 * The gateway's log: one line per event on stderr. Callers pass only what is safe to keep: never a
 * token, secret, query string or resource content (security-checklist item 98).
 */
export interface Logger {
  info(message: string, fields?: Record<string, string | number | boolean | undefined>): void;
  error(message: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

export function createLogger(write: (line: string) => void = bufferedStderr()): Logger {
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

/**
 * Lines are gathered and written once per turn of the event loop: stderr to a pipe is synchronous on
 * Linux, and one write per request would cost the hot path a system call each time.
 */
function bufferedStderr(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('\n') + '\n';
    pending = [];
    process.stderr.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}

export const silentLogger: Logger = { info() {}, error() {} };
