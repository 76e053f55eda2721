/**
 * The first SIGINT or SIGTERM, for the commands that serve until stopped. Both handlers are
 * removed when it comes, so a second Ctrl-C ends the process at once instead of waiting for the
 * requests in flight.
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const other of signals) process.off(other, stop);
      resolve(signal);
    };
    for (const signal of signals) process.on(signal, stop);
  });
}
