import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpLogLine, tcpLogLine, accept_date } from '../../src/log/access.js';
import { syslogHeader } from '../../src/log/targets.js';

const facts = {
  src: '127.0.0.1', srcPort: 40000, acceptMs: new Date(2026, 10, 26, 21, 5, 7, 42).getTime(),
  frontend: 'web', backend: 'app', server: 'web1', tr: 0, tw: 0, tc: 1, tresp: 2, ta: 3, status: 200, bytes: 120,
  termination: '--', actconn: 1, feconn: 1, beconn: 1, srvconn: 1, retries: 0, srvQueue: 0, beQueue: 0, requestLine: 'GET / HTTP/1.1',
};

test('accept date is HAProxy\'s dd/Mon/yyyy:hh:mm:ss.mmm', () => {
  assert.equal(accept_date(facts.acceptMs), '26/Nov/2026:21:05:07.042');
});

test('httplog line has HAProxy\'s fields in order', () => {
  assert.equal(httpLogLine(facts), '127.0.0.1:40000 [26/Nov/2026:21:05:07.042] web app/web1 0/0/1/2/3 200 120 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"');
});

test('tcplog line has HAProxy\'s fields in order', () => {
  assert.equal(tcpLogLine({ ...facts, termination: 'SD' }), '127.0.0.1:40000 [26/Nov/2026:21:05:07.042] web app/web1 0/1/3 120 SD 1/1/1/1/0 0/0');
});

test('syslog header: priority from facility and level, BSD date, haproxy[pid]', () => {
  assert.equal(syslogHeader('local0', 'info', new Date(2026, 10, 6, 9, 5, 7), 42), '<134>Nov  6 09:05:07 haproxy[42]: ');
  assert.equal(syslogHeader('local7', 'alert', new Date(2026, 0, 16, 23, 0, 0), 1), '<185>Jan 16 23:00:00 haproxy[1]: ');
});
