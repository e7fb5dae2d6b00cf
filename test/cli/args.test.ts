import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.js';

const opts = (argv: string[]) => {
  const r = parseArgs(argv);
  assert.ok(r.ok, !r.ok ? r.error : '');
  return r.options;
};

test('-f is repeatable and -- takes the rest as files', () => {
  const o = opts(['-f', 'a.cfg', '-f', 'conf.d', '--', 'b.cfg', '-c']);
  assert.deepEqual(o.files, ['a.cfg', 'conf.d', 'b.cfg', '-c']);
  assert.equal(o.check, false);
});

test('check mode, quiet, condition', () => {
  const o = opts(['-c', '-q', '-f', 'x.cfg']);
  assert.deepEqual([o.check, o.quiet, o.files], [true, true, ['x.cfg']]);
  assert.equal(opts(['-cc', 'version_atleast(2.5-dev0)']).checkCondition, 'version_atleast(2.5-dev0)');
});

test('process flags as VTest and systemd units pass them', () => {
  const o = opts(['-d', '-W', '-S', 'fd@5', '-dM', '-L', 'A', '-f', 'cfg', '-p', '/tmp/pid', '-D']);
  assert.deepEqual([o.debug, o.masterWorker, o.masterCli, o.debugFlags, o.localPeer, o.pidfile, o.daemon], [true, true, ['fd@5'], ['-dM'], 'A', '/tmp/pid', true]);
  const s = opts(['-Ws', '-dV', '-db', '-n', '100', '-V', '-C', '/etc', '-x', '/run/s.sock', '-f', 'cfg']);
  assert.deepEqual([s.masterWorker, s.systemd, s.debugFlags, s.debug, s.maxconn, s.verbose, s.chdir, s.exposeFdSocket], [true, true, ['-dV', '-db'], true, 100, true, '/etc', '/run/s.sock']);
});

test('-v and -vv', () => {
  assert.equal(opts(['-v']).version, 1);
  assert.equal(opts(['-vv']).version, 2);
  assert.equal(opts(['-v', '-vv']).version, 2);
});

test('-sf / -st take every following pid', () => {
  const o = opts(['-f', 'c', '-sf', '10', '11', '12', '-st', '20', '-q']);
  assert.deepEqual(o.softStopPids, [10, 11, 12]);
  assert.deepEqual(o.hardStopPids, [20]);
  assert.equal(o.quiet, true);
  assert.deepEqual(opts(['-f', 'c', '-sf']).softStopPids, []);
});

test('unknown flags, stray words and missing values are errors', () => {
  assert.deepEqual(parseArgs(['-Z']), { ok: false, error: "unknown option '-Z'" });
  assert.deepEqual(parseArgs(['stray.cfg']), { ok: false, error: "unknown option 'stray.cfg'" });
  assert.deepEqual(parseArgs(['-f']), { ok: false, error: "option '-f' requires an argument" });
  assert.equal(parseArgs(['-n', 'many']).ok, false);
});

test('without -f, only -v/-vv and -cc make sense', () => {
  assert.deepEqual(parseArgs(['-c']), { ok: false, error: 'No configuration file specified (-f <cfgfile|cfgdir>).' });
  assert.deepEqual(parseArgs([]), { ok: false, error: 'No configuration file specified (-f <cfgfile|cfgdir>).' });
  assert.equal(parseArgs(['-vv']).ok, true);
  assert.equal(parseArgs(['-cc', 'TRUE']).ok, true);
});
