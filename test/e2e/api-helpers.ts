// Talking to a stats socket from tests the way operators do: `echo cmd | socat stdio UNIX-CONNECT:path`.

import { spawn } from 'node:child_process';

/** Sends `input` to a stats socket through socat and returns everything read until close. */
export function socat(sockPath: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('socat', ['stdio', `UNIX-CONNECT:${sockPath}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`socat exited ${code}: ${err}`));
    });
    p.stdin.end(input);
  });
}

/** The `status` cell of one CSV row. */
export function csvField(csv: string, px: string, sv: string, field: string): string | undefined {
  const lines = csv.split('\n');
  const header = lines[0]!.slice(2).split(',');
  const row = lines.find((l) => l.startsWith(`${px},${sv},`));
  return row?.split(',')[header.indexOf(field)];
}
