// Runtimes built by hand from config text for renderer tests (no sockets, time as a number).

import { parseConfig } from '../../src/config/parser.js';
import type { ServerConfig } from '../../src/config/model.js';
import { Runtime } from '../../src/core/runtime.js';
import { Proxy } from '../../src/core/proxy.js';
import { Server } from '../../src/core/server.js';
import type { Actor, Control, ServerAction } from '../../src/control/commands.js';
import { AdminFlag, OpState, type CheckState, type ServerState } from '../../src/core/server-state-types.js';

function check(configured: boolean, rise: number, fall: number): CheckState {
  return { configured, enabled: configured, running: false, health: configured ? rise + fall - 1 : 0, rise, fall, status: 'L4OK', durationMs: 0, desc: '' };
}

export function initialState(sc: ServerConfig, nowMs: number): ServerState {
  return {
    admin: sc.disabled ? AdminFlag.FMAINT | AdminFlag.CMAINT : 0,
    op: sc.disabled ? OpState.STOPPED : OpState.RUNNING,
    check: check(sc.check, sc.rise, sc.fall),
    agent: check(sc.agentCheck, 1, 1),
    weight: sc.weight,
    initialWeight: sc.weight,
    weightSetByOperator: false,
    chkfail: 0,
    chkdown: 0,
    lastChangeMs: nowMs,
    downtimeMs: 0,
  };
}

export function runtimeFrom(cfg: string, nowMs: number): Runtime {
  const r = parseConfig([{ file: 'test.cfg', text: cfg }], {
    env: {},
    readPatternFile: () => undefined,
    resolveHost: (h) => (h === 'localhost' ? '127.0.0.1' : undefined),
    hostname: 'testnode',
    defaultMaxconn: 9984,
  });
  if (!r.config) throw new Error(`config failed: ${JSON.stringify(r.diagnostics.list)}`);
  const rt = new Runtime(r.config, nowMs);
  for (const pc of r.config.proxies) {
    const px = new Proxy(pc, nowMs);
    for (const sc of pc.servers) px.addServer(new Server(sc, px, initialState(sc, nowMs)));
    rt.addProxy(px);
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

export interface Call {
  server: string;
  action: ServerAction;
  actor: Actor;
}

/** Records calls; drain/maint/ready flip the admin flags so outputs can show them. */
export function recordingControl(calls: Call[]): Control {
  const no = () => ({ ok: false as const, message: 'not used' });
  const control = {
    serverAction(server: Server, action: ServerAction, actor: Actor) {
      calls.push({ server: server.name, action, actor });
      if (action === 'drain') server.state.admin |= AdminFlag.FDRAIN;
      if (action === 'maint') {
        server.state.admin |= AdminFlag.FMAINT;
        server.state.op = OpState.STOPPED;
      }
      if (action === 'ready') {
        server.state.admin = 0;
        server.state.op = OpState.RUNNING;
      }
      const agentAction = ['dagent', 'eagent', 'arunn', 'adown'].includes(action);
      return { ok: true as const, applied: !agentAction || server.state.agent.configured };
    },
    setWeight: no,
    setMaxconn: no,
    setAddress: no,
    setCheckPort: no,
    setFrontendMaxconn: no,
    setGlobalMaxconn: no,
    setFrontendEnabled: no,
    clearCounters: no,
  };
  return control;
}
