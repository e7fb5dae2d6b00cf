// The fleet view: live instances (presence keys), and per server the state and key counters of
// every instance side by side, fetched from each peer's `;json` stats; totals per backend; config
// drift (a server some instances have and others do not) flagged, never merged.

import http from 'node:http';
import type { FleetMember, FleetStatus, MemberRecord } from './member.js';

/** Key counters shown side by side; names are HAProxy's CSV fields. */
export interface ServerFigures {
  status: string;
  weight: number;
  scur: number;
  stot: number;
  econ: number;
  eresp: number;
}

export interface InstanceStats {
  node: string;
  statsUrl?: string;
  since?: string;
  /** Undefined when the peer's stats could not be read (error says why). */
  servers?: Map<string, ServerFigures>;
  backends?: Map<string, ServerFigures>;
  error?: string;
}

export interface FleetView {
  status: FleetStatus;
  instances: InstanceStats[];
  /** Sorted `backend/server` names with each instance's figures (undefined: not known there). */
  servers: { name: string; byNode: (ServerFigures | undefined)[] }[];
  backends: { name: string; byNode: (ServerFigures | undefined)[]; total: { scur: number; stot: number; econ: number; eresp: number } }[];
  drift: { name: string; presentOn: string[]; missingOn: string[] }[];
  /** Set when the member list could not be read from etcd. */
  error?: string;
}

type JsonField = { objType: string; field: { name: string }; value: { value: number | string } };

/** Reads one instance's `;json` (HAProxy's show stat json shape) into figures by name. */
export function parseStatsJson(text: string): { servers: Map<string, ServerFigures>; backends: Map<string, ServerFigures> } {
  const rows = JSON.parse(text) as JsonField[][];
  const servers = new Map<string, ServerFigures>();
  const backends = new Map<string, ServerFigures>();
  for (const row of rows) {
    if (!Array.isArray(row) || row.length === 0) continue;
    const f = new Map<string, number | string>();
    for (const item of row) f.set(item.field.name, item.value.value);
    const num = (n: string): number => Number(f.get(n) ?? 0) || 0;
    const figures: ServerFigures = { status: String(f.get('status') ?? ''), weight: num('weight'), scur: num('scur'), stot: num('stot'), econ: num('econ'), eresp: num('eresp') };
    const type = row[0]!.objType;
    if (type === 'Server') servers.set(`${String(f.get('pxname'))}/${String(f.get('svname'))}`, figures);
    else if (type === 'Backend') backends.set(String(f.get('pxname')), figures);
  }
  return { servers, backends };
}

/** GET `<statsUrl>;json` within `timeoutMs`; `auth` is `user:password` for basic auth. */
export function fetchStatsJson(statsUrl: string, timeoutMs = 1000, auth?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const opts: http.RequestOptions = { timeout: timeoutMs };
    if (auth) opts.auth = auth;
    const req = http.get(new URL(`${statsUrl};json`), opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Pure part: combine member records and what each peer's stats said. */
export function combineView(status: FleetStatus, members: MemberRecord[], stats: InstanceStats[]): FleetView {
  const nodes = members.map((m) => m.node);
  const names = new Set<string>();
  for (const m of members) for (const s of m.servers) names.add(s);
  const sorted = [...names].sort();
  const byNode = new Map(stats.map((s) => [s.node, s]));
  const servers = sorted.map((name) => ({ name, byNode: nodes.map((n) => byNode.get(n)?.servers?.get(name)) }));
  const backendNames = [...new Set(sorted.map((n) => n.slice(0, n.indexOf('/'))))];
  const backends = backendNames.map((name) => {
    const per = nodes.map((n) => byNode.get(n)?.backends?.get(name));
    const total = { scur: 0, stot: 0, econ: 0, eresp: 0 };
    for (const p of per) {
      if (!p) continue;
      total.scur += p.scur;
      total.stot += p.stot;
      total.econ += p.econ;
      total.eresp += p.eresp;
    }
    return { name, byNode: per, total };
  });
  const drift: FleetView['drift'] = [];
  for (const name of sorted) {
    const presentOn = members.filter((m) => m.servers.includes(name)).map((m) => m.node);
    if (presentOn.length !== members.length) drift.push({ name, presentOn, missingOn: nodes.filter((n) => !presentOn.includes(n)) });
  }
  return { status, instances: members.map((m) => byNode.get(m.node) ?? { node: m.node }), servers, backends, drift };
}

export async function buildFleetView(member: FleetMember, timeoutMs = 1000): Promise<FleetView> {
  const status = member.status();
  let members: MemberRecord[];
  try {
    members = await member.members();
  } catch (e) {
    return { status, instances: [], servers: [], backends: [], drift: [], error: `cannot read fleet members: ${(e as Error).message}` };
  }
  const stats = await Promise.all(
    members.map(async (m): Promise<InstanceStats> => {
      const base: InstanceStats = { node: m.node, since: m.since };
      if (!m.statsUrl) return { ...base, error: 'no stats address registered' };
      base.statsUrl = m.statsUrl;
      try {
        return { ...base, ...parseStatsJson(await fetchStatsJson(m.statsUrl, timeoutMs, member.opts.statsAuth)) };
      } catch (e) {
        return { ...base, error: (e as Error).message };
      }
    }),
  );
  return combineView(status, members, stats);
}

const cell = (f: ServerFigures | undefined): string => (f ? `${f.status} w${f.weight} cur${f.scur} tot${f.stot}` : '-');

/** Text for the runtime API's `show fleet`. */
export function renderFleetText(v: FleetView): string {
  const st = v.status;
  const out: string[] = [];
  out.push(`# fleet prefix ${st.prefix} node ${st.node} link ${st.link}${st.reason ? ` (${st.reason})` : ''} revision ${st.revision}`);
  if (st.notShared.length > 0) out.push(`# not shared: ${st.notShared.join(' ')}`);
  if (v.error) {
    out.push(`# ${v.error}`);
    return `${out.join('\n')}\n`;
  }
  out.push(`# instances: ${v.instances.length} alive`);
  for (const i of v.instances) out.push(`${i.node} ${i.statsUrl ?? '-'} since ${i.since ?? '-'} stats ${i.error ? `error: ${i.error}` : 'ok'}`);
  const nodes = v.instances.map((i) => i.node);
  out.push(`# servers: ${nodes.join(' | ')}`);
  for (const s of v.servers) out.push(`${s.name} ${s.byNode.map((f, i) => `${nodes[i]}: ${cell(f)}`).join(' | ')}`);
  out.push('# backends: total, then per instance');
  for (const b of v.backends) {
    out.push(`${b.name} total cur${b.total.scur} tot${b.total.stot} econ${b.total.econ} eresp${b.total.eresp} | ${b.byNode.map((f, i) => `${nodes[i]}: ${cell(f)}`).join(' | ')}`);
  }
  out.push(`# drift: ${v.drift.length === 0 ? 'none' : v.drift.length}`);
  for (const d of v.drift) out.push(`${d.name} known to ${d.presentOn.join(',')} missing on ${d.missingOn.join(',')}`);
  return `${out.join('\n')}\n`;
}

/** The runtime API's `show fleet` answer. */
export async function showFleet(member: FleetMember | undefined): Promise<string> {
  if (!member) return 'Fleet not configured (no "fleet" line in global).\n';
  return renderFleetText(await buildFleetView(member));
}

/** Lines the stats page / `show info` can add: fleet link state and unshared changes. */
export function fleetInfo(status: FleetStatus): [string, string][] {
  return [
    ['Fleet', status.prefix],
    ['FleetNode', status.node],
    ['FleetLink', status.link],
    ['FleetNotShared', status.notShared.join(',')],
  ];
}
