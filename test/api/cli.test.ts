// The runtime API's command layer against runtimes built from config text: replies as
// HAProxy 2.6 prints them (samples in shared/spec/samples/socket-*), levels, and changes made
// through control/ showing in the same snapshot the CSV is rendered from.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Cli, parseLine, type CliLevel, type CliSession } from '../../src/api/cli.js';
import { createControl } from '../../src/control/commands.js';
import type { Runtime } from '../../src/core/runtime.js';
import type { Logger } from '../../src/log/logger.js';
import { runtimeFrom, SEED, MIXED } from '../stats/fixture.js';
import { SAMPLES } from '../helpers/shared.js';



function setup(cfg = SEED): { rt: Runtime; cli: Cli; events: string[]; session: (level?: CliLevel) => CliSession; run: (s: CliSession, line: string) => string } {
  const rt = runtimeFrom(cfg, Date.now());
  const events: string[] = [];
  const log: Logger = { event: (_l, m) => events.push(m), access: () => {} };
  const sessions: CliSession[] = [];
  const cli = new Cli({ runtime: rt, control: createControl(rt, log), listeners: () => 3, sessions: () => sessions });
  const session = (level: CliLevel = 'admin'): CliSession => {
    const s: CliSession = { id: sessions.length + 1, level, interactive: false, timeoutMs: 10_000, quit: false, proto: 'unix_stream', src: 'unix:1', startMs: Date.now(), kill: () => {} };
    sessions.push(s);
    return s;
  };
  const run = (s: CliSession, line: string): string => parseLine(line).map((w) => sync(cli.execute(s, w)) + '\n').join('');
  return { rt, cli, events, session, run };
}

/** Without a worker snapshot provider every reply is immediate. */
function sync(reply: string | Promise<string>): string {
  assert.equal(typeof reply, 'string');
  return reply as string;
}

function csvStatus(csv: string, px: string, sv: string): string | undefined {
  return csv.split('\n').find((l) => l.startsWith(`${px},${sv},`))?.split(',')[17];
}

test('parseLine: `;` separates commands, backslash escapes, blanks collapse', () => {
  assert.deepEqual(parseLine('show info ; show  stat'), [['show', 'info'], ['show', 'stat']]);
  assert.deepEqual(parseLine('set server a\\;b/c state drain'), [['set', 'server', 'a;b/c', 'state', 'drain']]);
  assert.deepEqual(parseLine(''), [[]]);
});

test('help lists supported commands in HAProxy\'s two-column layout, each line as in 2.6', () => {
  const { cli, session } = setup();
  const help = sync(cli.execute(session(), ['help']));
  const reference = new Set(readFileSync(`${SAMPLES}/socket-help.txt`, 'utf8').split('\n'));
  const lines = help.split('\n').filter((l) => l !== '');
  assert.equal(lines[0], 'The following commands are valid at this level:');
  assert.ok(lines.length > 30);
  // Switchyard's own commands (show fleet) are the only lines HAProxy's help lacks.
  for (const l of lines) if (!l.includes('(Switchyard)')) assert.ok(reference.has(l), `not in HAProxy's help: ${JSON.stringify(l)}`);
  assert.ok(lines.some((l) => l.startsWith('  show fleet ')));
  // `help <words>` as HAProxy 2.6 answers `help show stat`: the match, then help, prompt, quit.
  assert.deepEqual(sync(cli.execute(session(), ['help', 'show', 'stat'])).split('\n').slice(1, -1).map((l) => l.split(':')[0]!.trim()), [
    'show stat [desc|json|no-maint|typed|up]*', 'help [<command>]', 'prompt', 'quit',
  ]);
});

test('the transcript of set server / get weight / errors replies as HAProxy 2.6', () => {
  const { run, session } = setup();
  const s = session();
  const transcript = readFileSync(`${SAMPLES}/socket-commands-transcript.txt`, 'utf8');
  const blocks = transcript.split(/^### /m).slice(1);
  let checked = 0;
  for (const block of blocks) {
    const nl = block.indexOf('\n');
    const command = block.slice(0, nl);
    if (command.startsWith('show') || command.startsWith('bogus')) continue;
    const expected = block.slice(nl + 1).replace(/\$$/gm, '');
    assert.equal(run(s, command), expected, command);
    checked++;
  }
  assert.ok(checked >= 25, `${checked} commands compared`);
});

test('set server state drain shows as DRAIN in the CSV and as admin 8 in show servers state', () => {
  const { run, session, events } = setup();
  const s = session();
  assert.equal(run(s, 'set server app/web1 state drain'), '\n');
  const csv = run(s, 'show stat');
  assert.equal(csvStatus(csv, 'app', 'web1'), 'DRAIN');
  assert.equal(csvStatus(csv, 'app', 'web2'), 'UP');
  const state = run(s, 'show servers state app').split('\n');
  assert.equal(state[0], '1');
  assert.equal(state[1], readFileSync(`${SAMPLES}/socket-show-servers-state.txt`, 'utf8').split('\n')[1]);
  assert.match(state[2]!, /^3 app 1 web1 127\.0\.0\.1 2 8 1 1 \d+ 6 3 4 6 0 0 0 - 8081 - 0 0 - - 0$/);
  assert.ok(events.some((e) => e.includes('web1') && e.includes('via socket')), events.join('\n'));
  assert.equal(run(s, 'set server app/web1 state ready'), '\n');
  assert.equal(csvStatus(run(s, 'show stat'), 'app', 'web1'), 'UP');
});

test('show servers state of the mixed instance: config-determined lines as HAProxy prints them', () => {
  const { run, session } = setup(MIXED);
  const ours = run(session(), 'show servers state app2').split('\n');
  const theirs = readFileSync(`${SAMPLES}/socket2-show-servers-state.txt`, 'utf8').split('\n');
  const strip = (l: string): string => l.split(' ').filter((_f, i) => i !== 9 && i !== 18).join(' ');
  for (const name of ['s3', 's6', 's7']) {
    const a = ours.find((l) => l.startsWith(`3 app2 `) && l.split(' ')[3] === name)!;
    const b = theirs.find((l) => l.startsWith(`3 app2 `) && l.split(' ')[3] === name)!;
    assert.equal(strip(a), strip(b), name);
  }
  assert.equal(run(session(), 'show servers state nope'), "Can't find backend.\n\n");
});

test('a user-level session is refused every change, with HAProxy\'s message, and nothing changes', () => {
  const { run, session, rt } = setup();
  const s = session('user');
  const before = run(session(), 'show servers state');
  for (const cmd of ['set server app/web1 state maint', 'disable server app/web1', 'set weight app/web1 0', 'shutdown sessions server app/web1', 'set maxconn global 10', 'clear counters', 'show sess']) {
    assert.equal(run(s, cmd), 'Permission denied\n\n', cmd);
  }
  assert.equal(run(session(), 'show servers state'), before);
  assert.equal(rt.backend('app')!.serversByName.get('web1')!.state.admin, 0);
  assert.equal(run(s, 'show cli level'), 'user\n\n');
  assert.equal(run(s, 'operator'), 'Permission denied\n\n');
});

test('operator and user lower the level for the rest of the session; operator may clear counters but not set servers', () => {
  const { run, session } = setup();
  const s = session();
  assert.equal(run(s, 'operator; show cli level'), '\noperator\n\n');
  assert.equal(run(s, 'clear counters'), '\n');
  assert.equal(run(s, 'clear counters all'), 'Permission denied\n\n');
  assert.equal(run(s, 'set server app/web1 state drain'), 'Permission denied\n\n');
  assert.equal(run(s, 'user; show cli level'), '\nuser\n\n');
});

test('show stat filters: <iid> <type> <sid>, and legends only above user level', () => {
  const { run, session } = setup();
  const s = session();
  const servers = run(s, 'show stat -1 4 -1').trimEnd().split('\n');
  assert.deepEqual(servers.slice(1).map((l) => l.split(',').slice(0, 2).join('/')), ['app/web1', 'app/web2']);
  const app = run(s, 'show stat 3 -1 -1').trimEnd().split('\n');
  assert.deepEqual(app.slice(1).map((l) => l.split(',')[1]), ['web1', 'web2', 'BACKEND']);
  const one = run(s, 'show stat app 4 2').trimEnd().split('\n');
  assert.deepEqual(one.slice(1).map((l) => l.split(',')[1]), ['web2']);
  assert.equal(run(s, 'show stat nope 4 2'), 'No such proxy.\n\n');
  const header = readFileSync(`${SAMPLES}/socket-show-stat.csv`, 'utf8').split('\n')[0];
  assert.equal(servers[0], header);
  const addr = header!.slice(2).split(',').indexOf('addr');
  assert.equal(servers[1]!.split(',')[addr], '127.0.0.1:8081');
  const asUser = run(session('user'), 'show stat -1 4 -1').split('\n');
  assert.equal(asUser[1]!.split(',')[addr], '');
});

test('show info carries every key hatop needs; typed and json forms', () => {
  const { run, session } = setup();
  const s = session();
  const info = run(s, 'show info');
  for (const key of ['Name', 'Version', 'Release_date', 'Nbproc', 'Process_num', 'Pid', 'Uptime', 'Maxconn', 'CurrConns', 'Maxpipes', 'PipesUsed', 'Tasks', 'Run_queue', 'node']) {
    assert.match(info, new RegExp(`^${key}: `, 'm'), key);
  }
  const sampleKeys = readFileSync(`${SAMPLES}/socket-show-info.txt`, 'utf8').split('\n').filter((l) => l.includes(': ')).map((l) => l.split(':')[0]);
  assert.deepEqual(info.split('\n').filter((l) => l.includes(': ')).map((l) => l.split(':')[0]), sampleKeys);
  assert.match(run(s, 'show info typed'), /^0\.Name\.1:POS:str:HAProxy$/m);
  const json = JSON.parse(run(s, 'show info json')) as { field: { name: string } }[];
  assert.equal(json[0]!.field.name, 'Name');
});

test('show backend, show version, show errors, show pools, show sess, show schema json', () => {
  const { run, session } = setup();
  const s = session();
  assert.equal(run(s, 'show backend'), readFileSync(`${SAMPLES}/socket-show-backend.txt`, 'utf8'));
  assert.match(run(s, 'show version'), /^2\.6\.\d+/);
  assert.match(run(s, 'show errors'), /^Total events captured on \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] : 0\n\n$/);
  assert.match(run(s, 'show pools'), /^Dumping pools usage/);
  assert.match(run(s, 'show sess'), /^0x1: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> srv=<none> /);
  assert.equal(run(s, 'shutdown session 0x99'), "No such session (use 'show sess').\n\n");
  JSON.parse(run(s, 'show schema json'));
});

test('server lookup errors, #id references and bad arguments', () => {
  const { run, session, rt } = setup();
  const s = session();
  assert.equal(run(s, 'set server app state drain'), "Require 'backend/server'.\n\n");
  assert.equal(run(s, 'get weight nope/web1'), 'No such backend.\n\n');
  assert.equal(run(s, 'disable server app/nope'), 'No such server.\n\n');
  assert.equal(run(s, 'disable server #3/#2'), '\n');
  assert.equal(csvStatus(run(s, 'show stat'), 'app', 'web2'), 'MAINT');
  assert.equal(run(s, 'enable server app/web2'), '\n');
  assert.equal(run(s, 'set server app/web1 agent sideways'), 'agent checks are not enabled on this server.\n\n');
  assert.equal(run(s, 'enable agent app/web1'), 'Agent was not configured on this server, cannot enable.\n\n');
  assert.equal(run(s, 'set maxconn frontend nope 10'), 'No such frontend.\n\n');
  assert.equal(run(s, 'set maxconn frontend web 500'), '\n');
  assert.equal(rt.frontend('web')!.maxconn, 500);
  assert.equal(run(s, 'disable frontend web'), '\n');
  assert.equal(rt.frontend('web')!.frontendStatus, 'PAUSED');
  assert.equal(run(s, 'enable frontend web'), '\n');
  assert.equal(run(s, 'set timeout cli 60'), '\n');
  assert.equal(s.timeoutMs, 60_000);
  assert.equal(run(s, 'set timeout server 60'), "'set timeout' only supports 'cli'.\n\n");
  assert.match(run(s, 'bogus command'), /^Unknown command/);
  assert.match(run(s, 'show stats'), /^Unknown command, but maybe one of the following ones is a better match:\n {2}show stat /);
});
