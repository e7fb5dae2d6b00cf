// Runtimes built by hand from config text for renderer tests (no sockets, time as a number).

import { parseConfig } from '../../src/config/parser.js';
import { buildRuntime } from '../../src/core/build.js';
import { applyServerEvent } from '../../src/core/apply.js';
import { isMaint } from '../../src/core/server-state.js';
import type { Runtime } from '../../src/core/runtime.js';

/** The runtime of a config after every checked server passed its first L4 check. */
export function runtimeFrom(cfg: string, nowMs: number): Runtime {
  const r = parseConfig([{ file: 'test.cfg', text: cfg }], {
    env: {},
    readPatternFile: () => undefined,
    resolveHost: (h) => (h === 'localhost' ? '127.0.0.1' : undefined),
    hostname: 'testnode',
    defaultMaxconn: 9984,
  });
  if (!r.config) throw new Error(`config failed: ${JSON.stringify(r.diagnostics.list)}`);
  const rt = buildRuntime(r.config, nowMs);
  for (const px of rt.proxies) {
    for (const s of px.servers) {
      if (!s.state.check.configured || s.tracked || isMaint(s.state)) continue;
      applyServerEvent(s, { type: 'check', outcome: 'pass', result: { status: 'L4OK', desc: '', durationMs: 0 } }, nowMs);
    }
  }
  return rt;
}

export const SEED = `
global
    maxconn 9984
    stats socket /tmp/switchyard-fixture.sock level admin
defaults
    mode http
    timeout connect 5s
    timeout client  30s
    timeout server  30s
frontend web
    bind 127.0.0.1:8080
    default_backend app
backend app
    balance roundrobin
    server web1 127.0.0.1:8081 check inter 1s rise 2 fall 3
    server web2 127.0.0.1:8082 check inter 1s rise 2 fall 3
listen stats
    bind 127.0.0.1:8404
    mode http
    stats enable
    stats uri /stats
    stats refresh 5s
    stats realm HAProxy\\ Statistics
    stats auth admin:admin888
    stats admin if TRUE
`;

/** The second reference instance: backup, no-check, down, agent, track and disabled servers. */
export const MIXED = `
global
    maxconn 9981
    stats socket /tmp/switchyard-fixture2.sock level admin
defaults
    mode http
    timeout connect 5s
    timeout client  30s
    timeout server  30s
frontend web2
    bind 127.0.0.1:8090
    default_backend app2
backend app2
    option httpchk GET /
    server s1 127.0.0.1:8081 check inter 1s
    server s2 127.0.0.1:8082 check inter 1s backup
    server s3 127.0.0.1:8082
    server s4 127.0.0.1:8089 check inter 1s
    server s5 127.0.0.1:8081 check inter 1s agent-check agent-port 9999 agent-inter 1s
    server s6 127.0.0.1:8081 track app2/s1
    server s7 127.0.0.1:8081 check disabled
    server s8 127.0.0.1:8082 check inter 1s backup
backend l7
    option httpchk GET /missing
    server m1 127.0.0.1:8081 check inter 1s
listen stats2
    bind 127.0.0.1:8405
    stats enable
    stats uri /s
    stats admin if FALSE
    stats show-legends
`;

