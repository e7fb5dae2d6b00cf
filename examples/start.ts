// `npm start`: two tiny demo web servers on 8081/8082 and Switchyard on examples/haproxy.cfg.
// Ctrl-C stops everything.

import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DATA_PLANE_NODE_FLAGS } from '../src/process/node-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cfg = path.join(root, 'examples/haproxy.cfg');

const demos = [8081, 8082].map((port, i) => {
  const name = `web${i + 1}`;
  const server = http.createServer((req, res) => {
    const body = `Hello from ${name} (port ${port}): ${req.method} ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(port, '127.0.0.1');
  return server;
});

const sy = spawn(process.execPath, [...DATA_PLANE_NODE_FLAGS, path.join(root, 'bin/switchyard.js'), '-f', cfg], { stdio: 'inherit' });

process.stdout.write(
  [
    'Switchyard is starting on examples/haproxy.cfg:',
    '  traffic     http://127.0.0.1:8080/        (round-robin over web1 :8081 and web2 :8082)',
    '  stats page  http://127.0.0.1:8404/stats   (user admin, password admin888)',
    '  CSV         http://127.0.0.1:8404/stats;csv',
    '  socket      echo "show stat" | socat stdio /tmp/switchyard-example.sock',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);

const stop = (): void => {
  sy.kill('SIGTERM');
  for (const d of demos) d.close();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
sy.on('exit', (code) => {
  for (const d of demos) d.close();
  process.exitCode = code ?? 0;
});
