// STUB (issue 2 replaces it): `switchyard -c`, output and exit codes like `haproxy -c`.
export function runCheck(_files: string[], _opts: { quiet: boolean }): number {
  throw new Error('runCheck: not implemented yet');
}
