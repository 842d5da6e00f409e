/** How a child process ended, the same shape for every process the app starts. */
export interface Exit {
  /** The exit code; null when killed by a signal or never started. */
  code: number | null;
  signal: string | null;
  /** Why the process could not be started (`ENOENT`, `EACCES`…), else null. */
  spawnError: string | null;
}

/** "exited with code 1" / "was killed by SIGKILL" / "could not be run (ENOENT)". */
export function describeExit(exit: Exit): string {
  if (exit.spawnError) return `could not be run (${exit.spawnError})`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code === null) return 'was killed';
  return `exited with code ${exit.code}`;
}
