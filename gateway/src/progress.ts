export interface Progress {
  tick(count?: number): void;
  done(summary?: string): void;
}

/**
 * A progress bar for long work (seeding, benchmark data). On a terminal it redraws one line; in a
 * log (CI) it prints a line at every tenth, so the work is never silent.
 */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const started = Date.now();
  let done = 0;
  let lastTenth = -1;
  let lastDraw = 0;

  const line = () => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    return `${label} ${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${done}/${total}`;
  };

  return {
    tick(count = 1) {
      done += count;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw > 80 || done >= total) {
          stream.write(`\r${line()}`);
          lastDraw = now;
        }
        return;
      }
      const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        stream.write(`${line()}\n`);
      }
    },
    done(summary) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      stream.write(`${tty ? '\r' : ''}${line()} — ${summary ?? 'done'} in ${seconds} s\n`);
    },
  };
}

export const silentProgress = (): Progress => ({ tick() {}, done() {} });
