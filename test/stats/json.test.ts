import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderJson, renderSchema, renderTyped } from '../../src/stats/json.js';
import { renderInfo, renderInfoJson, renderInfoTyped } from '../../src/stats/info.js';
import { buildSnapshot } from '../../src/stats/snapshot.js';
import { SEED, runtimeFrom } from './fixture.js';
import { SAMPLES } from '../helpers/shared.js';


const sample = (name: string): string => readFileSync(`${SAMPLES}/${name}`, 'utf8');
const T0 = 1_700_000_000_000;

function seedSnapshot() {
  const rt = runtimeFrom(SEED, T0);
  for (const px of rt.proxies) {
    px.beCounters.lastSess = T0;
    for (const s of px.servers) s.counters.lastSess = T0;
  }
  return buildSnapshot(rt, T0 + 5000);
}

/** A typed line without its value: `S.3.1.17.status.1:SGP:str`. */
const shape = (line: string): string => line.split(':').slice(0, 3).join(':');

test('show stat typed: same objects, fields, tags and types as HAProxy', () => {
  const ours = renderTyped(seedSnapshot(), { legends: true }).split('\n').filter(Boolean).map(shape);
  const theirs = sample('socket-show-stat-typed.txt').split('\n').filter(Boolean).map(shape);
  assert.deepEqual(ours, theirs);
});

test('typed values are the CSV values', () => {
  const typed = renderTyped(seedSnapshot(), { legends: true });
  assert.match(typed, /^S\.3\.1\.17\.status\.1:SGP:str:UP$/m);
  assert.match(typed, /^S\.3\.1\.73\.addr\.1:CGS:str:127\.0\.0\.1:8081$/m);
  assert.match(typed, /^B\.3\.0\.76\.algo\.1:CGS:str:roundrobin$/m);
  assert.match(typed, /^F\.2\.0\.6\.slim\.1:CLP:u32:9984$/m);
});

test(';json has the shape of HAProxy stats.json, value types included', () => {
  type Item = { objType: string; proxyId: number; id: number; field: { pos: number; name: string }; processNum: number; tags: unknown; value: { type: string; value: unknown } };
  const strip = (rows: Item[][]) => rows.map((r) => r.map((i) => ({ ...i, value: { type: i.value.type, jsType: typeof i.value.value } })));
  const ours = JSON.parse(renderJson(seedSnapshot())) as Item[][];
  const theirs = JSON.parse(sample('stats.json')) as Item[][];
  assert.deepEqual(strip(ours), strip(theirs));
  assert.ok(renderJson(seedSnapshot()).endsWith(']]\n'));
});

test('json schema equals show schema json', () => {
  assert.equal(renderSchema() + '\n', sample('socket-show-schema.json'));
});

test('show info: same field names in the same order', () => {
  const names = (t: string) => t.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf(':')));
  const snap = seedSnapshot();
  assert.deepEqual(names(renderInfo(snap, 3)), names(sample('socket-show-info.txt')));
  assert.match(renderInfo(snap, 3), /^Uptime: 0d 0h00m05s$/m);
  assert.match(renderInfo(snap, 3), /^Name: HAProxy$/m);
  assert.match(renderInfoTyped(snap, 3), /^0\.Name\.1:POS:str:HAProxy$/m);
  const json = JSON.parse(renderInfoJson(snap, 3)) as { field: { name: string } }[];
  assert.equal(json[6]!.field.name, 'Pid');
});

test('desc variants: typed lines end with the quoted description, JSON items carry desc', () => {
  const snap = seedSnapshot();
  const typed = renderTyped(snap, { typeMask: 4 }, true).split('\n').filter(Boolean);
  assert.ok(typed.every((l) => /:"[^"]+"$/.test(l)));
  assert.match(typed.find((l) => l.includes('.17.status.'))!, /^S\.3\.1\.17\.status\.1:SGP:str:UP:"Operational status"$/);
  const json = JSON.parse(renderJson(snap, { typeMask: 4 }, true)) as { desc?: string }[][];
  assert.ok(json.flat().every((i) => typeof i.desc === 'string' && i.desc.length > 0));
  assert.ok((JSON.parse(renderJson(snap)) as { desc?: string }[][]).flat().every((i) => i.desc === undefined));
});
