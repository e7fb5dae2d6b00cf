// `npm start`: two tiny demo backends on :8081 and :8082, and Switchyard on
// examples/haproxy.cfg in front of them, so a newcomer sees real traffic at once.

import http from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function demoBackend(name: string, port: number): http.Server {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from ${name} (${req.method} ${req.url})\n`);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`demo backend ${name} cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}\n`);
    process.exitCode = 1;
    stop();
  });
  return server.listen(port, '127.0.0.1');
}

const backends = [demoBackend('web1', 8081), demoBackend('web2', 8082)];
const switchyard = spawn(process.execPath, [path.join(root, 'bin/switchyard.js'), '-f', path.join(root, 'examples/haproxy.cfg')], {
  stdio: 'inherit',
});

process.stdout.write(
  [
    'Switchyard is starting on examples/haproxy.cfg:',
    '  traffic:      curl http://127.0.0.1:8080/',
    '  stats page:   http://127.0.0.1:8404/stats  (admin / admin888)',
    '  CSV:          curl -u admin:admin888 "http://127.0.0.1:8404/stats;csv"',
    '  metrics:      curl http://127.0.0.1:8080/metrics',
    '  runtime API:  echo "show stat" | socat stdio UNIX-CONNECT:/tmp/switchyard-example.sock',
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

function stop(): void {
  switchyard.kill('SIGTERM');
  for (const b of backends) b.close();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
switchyard.on('exit', (code) => {
  for (const b of backends) b.close();
  process.exitCode = code ?? 0;
});
