// Merging the workers' snapshots into one process view, by HAProxy's field tags.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { buildRuntime } from '../../src/core/build.js';
import { buildSnapshot, fieldValue, snapshotRows } from '../../src/stats/snapshot.js';
import { mergeSnapshots } from '../../src/process/process-snapshot.js';
import { writeConfig } from '../helpers/switchyard.js';

const CFG = `defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
frontend web
  bind 127.0.0.1:8080
  default_backend app
backend app
  server web1 127.0.0.1:8081 check
  server web2 127.0.0.1:8082
`;

function worker(sessions: number, open: number) {
  const { config } = loadConfig([writeConfig(CFG).cfgPath]);
  assert.ok(config);
  const rt = buildRuntime(config, 1_000);
  const web1 = rt.backend('app')!.serversByName.get('web1')!;
  for (let i = 0; i < sessions; i++) web1.counters.sessionStart(2_000);
  for (let i = 0; i < sessions - open; i++) web1.counters.sessionEnd();
  web1.state.chkfail = 3;
  rt.process.cumConns = sessions;
  return rt;
}

const row = (snap: ReturnType<typeof buildSnapshot>, sv: string) => snapshotRows(snap).find((r) => r.pxname === 'app' && r.svname === sv)!;

test('counters and gauges are summed, peaks of counts summed, states and check counters taken once', () => {
  const a = buildSnapshot(worker(5, 1), 3_000);
  const b = buildSnapshot(worker(7, 2), 3_000);
  const status = fieldValue(row(a, 'web1'), 'status');
  const merged = mergeSnapshots(a, [b]);
  const web1 = row(merged, 'web1');
  assert.equal(fieldValue(web1, 'stot'), 12);
  assert.equal(fieldValue(web1, 'scur'), 3);
  assert.equal(fieldValue(web1, 'smax'), 12);
  assert.equal(fieldValue(web1, 'status'), status);
  assert.equal(fieldValue(web1, 'chkfail'), 3);
  assert.equal(fieldValue(row(merged, 'web2'), 'stot'), 0);
  assert.equal(merged.process.cumConns, 12);
});

test('one worker: the snapshot is unchanged', () => {
  const a = buildSnapshot(worker(4, 0), 3_000);
  const before = JSON.stringify(a);
  assert.equal(JSON.stringify(mergeSnapshots(a, [])), before);
});
