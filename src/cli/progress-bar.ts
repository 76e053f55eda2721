/**
 * A one-line progress bar for terminals; silent when the output is not a TTY (CI, pipes).
 */
export interface ProgressBar {
  tick(label: string): void;
  done(): void;
}

export function createProgressBar(total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY || total === 0) return { tick() {}, done() {} };
  let completed = 0;
  const render = (label: string) => {
    const width = 30;
    const filled = Math.round((completed / total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${completed}/${total} ${label}`;
    stream.write(`\r${line.slice(0, (stream.columns ?? 80) - 1).padEnd((stream.columns ?? 80) - 1)}`);
  };
  render('');
  return {
    tick(label) {
      completed++;
      render(label);
    },
    done() {
      stream.write('\n');
    },
  };
}
