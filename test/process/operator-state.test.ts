// Operator state carried across a reload and read from a server-state file: merged by
// backend/server name, the new config wins for servers and addresses, saved state wins for
// DRAIN/MAINT and operator weights.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { buildRuntime } from '../../src/core/build.js';
import { applyServerEvent } from '../../src/core/apply.js';
import { AdminFlag, DRAIN_MASK } from '../../src/core/server-state-types.js';
import type { Logger } from '../../src/log/logger.js';
import { applyOperatorState, applyRemoteStates, changedStates, exportOperatorState, mergeStates } from '../../src/process/operator-state.js';
import { loadServerStateFiles, parseServerState } from '../../src/process/server-state-file.js';
import { writeConfig } from '../helpers/switchyard.js';

// From a real HAProxy 2.6 `show servers state` after `set server app/web2 state drain`.
const DUMP = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 web1 127.0.0.1 2 0 1 1 0 6 3 4 6 0 0 0 - 8081 - 0 8081 - - 0
3 app 2 web2 127.0.0.1 2 8 1 1 0 6 3 2 6 0 0 0 - 8082 - 0 0 - - 0
`;

function runtimeFor(text: string, name = 'haproxy.cfg') {
  const { dir, cfgPath } = writeConfig(text, name);
  const { config } = loadConfig([cfgPath]);
  assert.ok(config);
  return { runtime: buildRuntime(config, 0), config, dir };
}

const quiet: Logger & { events: string[] } = {
  events: [],
  event(_l, m) {
    this.events.push(m);
  },
  access() {},
};

const base = (servers: string, global = '') => `global
${global}
defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
backend app
${servers}
`;

test('drain, maint and operator weight carry over by name; removed servers drop, new ones start READY', () => {
  const old = runtimeFor(base('  server web1 127.0.0.1:8081\n  server web2 127.0.0.1:8082\n  server gone 127.0.0.1:8083 weight 7')).runtime;
  const [web1, web2, gone] = old.backend('app')!.servers;
  applyServerEvent(web1, { type: 'admin', action: 'drain' }, 0);
  applyServerEvent(web2, { type: 'admin', action: 'maint' }, 0);
  applyServerEvent(web2, { type: 'weight', weight: 40 }, 0);
  applyServerEvent(gone, { type: 'admin', action: 'drain' }, 0);
  const saved = exportOperatorState(old);

  const fresh = runtimeFor(base('  server web1 127.0.0.2:9091 weight 3\n  server web2 127.0.0.1:8082 weight 20\n  server added 127.0.0.1:8084')).runtime;
  assert.equal(applyOperatorState(fresh, saved), 2);
  const s = fresh.backend('app')!.serversByName;
  assert.equal(s.get('web1')!.state.admin & DRAIN_MASK, AdminFlag.FDRAIN);
  // The new config wins for the address and for a weight nobody set by hand.
  assert.match(JSON.stringify(s.get('web1')!.address), /127\.0\.0\.2/);
  assert.equal(s.get('web1')!.state.weight, 3);
  assert.equal(s.get('web2')!.state.admin & AdminFlag.FMAINT, AdminFlag.FMAINT);
  assert.equal(s.get('web2')!.state.weight, 40);
  assert.equal(s.get('added')!.state.admin, 0);
});

test('a READY decided elsewhere lifts a DRAIN: from another worker, and over a stale state file', () => {
  const fresh = runtimeFor(base('  server web1 127.0.0.1:8081\n  server web2 127.0.0.1:8082')).runtime;
  const web1 = fresh.backend('app')!.serversByName.get('web1')!;
  const stale = [{ backend: 'app', server: 'web1', drain: true, maint: false }];
  const carried = [{ backend: 'app', server: 'web1', drain: false, maint: false }];
  applyOperatorState(fresh, mergeStates(stale, carried));
  assert.equal(web1.state.admin, 0);
  applyOperatorState(fresh, stale);
  assert.equal(web1.state.admin & DRAIN_MASK, AdminFlag.FDRAIN);
  applyRemoteStates(fresh, carried);
  assert.equal(web1.state.admin, 0);
  applyRemoteStates(fresh, [{ backend: 'app', server: 'web2', drain: false, maint: true, weight: 9 }]);
  const web2 = fresh.backend('app')!.serversByName.get('web2')!;
  assert.equal(web2.state.admin & AdminFlag.FMAINT, AdminFlag.FMAINT);
  assert.equal(web2.state.weight, 9);
  assert.deepEqual(changedStates(stale, carried), carried);
  assert.deepEqual(changedStates(carried, carried), []);
});

test('parses a real HAProxy `show servers state` dump', () => {
  const state = parseServerState(DUMP);
  assert.deepEqual(state.slice(0, 2), [
    { backend: 'app', server: 'web1', drain: false, maint: false },
    { backend: 'app', server: 'web2', drain: true, maint: false },
  ]);
  assert.deepEqual(parseServerState('2\nwhatever'), []);
});

test('server-state-file with load-server-state-from-file global, relative to server-state-base', () => {
  const servers = '  load-server-state-from-file global\n  server web1 127.0.0.1:8081\n  server web2 127.0.0.1:8082';
  const { dir } = writeConfig('');
  writeFileSync(path.join(dir, 'state'), DUMP);
  const { runtime, config } = runtimeFor(base(servers, `  server-state-base ${dir}\n  server-state-file state`));
  applyOperatorState(runtime, loadServerStateFiles(config, quiet));
  assert.equal(runtime.backend('app')!.serversByName.get('web2')!.state.admin & DRAIN_MASK, AdminFlag.FDRAIN);
  assert.equal(runtime.backend('app')!.serversByName.get('web1')!.state.admin, 0);
});

test('a missing state file is a warning, not a failure', () => {
  const servers = '  load-server-state-from-file global\n  server web1 127.0.0.1:8081';
  const { config } = runtimeFor(base(servers, '  server-state-file /nonexistent/switchyard-state'));
  quiet.events.length = 0;
  assert.deepEqual(loadServerStateFiles(config, quiet), []);
  assert.match(quiet.events.join('\n'), /server state file '\/nonexistent\/switchyard-state'/);
});
