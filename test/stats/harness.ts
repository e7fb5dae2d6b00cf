// Serves the stats applet of a hand-built runtime on a real loopback socket (node:http), so
// the page can be driven by a real browser before and independently of the data plane.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '../../src/core/runtime.js';
import type { Logger } from '../../src/log/logger.js';
import { createStatsRouter } from '../../src/stats/router.js';
import { startChecks } from '../../src/checks/scheduler.js';
import { runtimeFrom } from './fixture.js';

export interface Harness {
  rt: Runtime;
  /** Process log lines (the control's audit trail). */
  events: string[];
  port: number;
  close(): Promise<void>;
}

/** `checks`: run the real health-check scheduler against the configured servers. */
export async function serveStats(cfg: string, opts: { checks?: boolean } = {}): Promise<Harness> {
  const rt = runtimeFrom(cfg, Date.now());
  const events: string[] = [];
  const log: Logger = { event: (_l, m) => events.push(m), access: () => {} };
  const router = createStatsRouter(rt, log);
  const checks = opts.checks ? startChecks(rt, log) : undefined;
  const px = rt.proxies.find((p) => p.config.stats?.enabled)!;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const applet = router.route(px, req.method!, req.url!);
      if (!applet) {
        res.writeHead(503).end();
        return;
      }
      void Promise.resolve(
        applet({
          method: req.method!,
          target: req.url!,
          httpVersion: '1.1',
          header: (n) => {
            const v = req.headers[n];
            return Array.isArray(v) ? v[0] : v;
          },
          body: Buffer.concat(chunks),
          src: req.socket.remoteAddress!.replace(/^::ffff:/, ''),
          srcPort: req.socket.remotePort!,
          secure: false,
        }),
      ).then((r) => {
        res.writeHead(r.status, r.headers.flat());
        res.end(r.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    rt,
    events,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        checks?.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
