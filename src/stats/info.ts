// `show info` fields in HAProxy 2.6's order, from the process part of a snapshot. Values we
// have no equivalent for (SSL, pipes, compression, peers) are reported as 0 like an idle build.

import { RELEASE_DATE, VERSION } from '../cli/version.js';
import { tagNames, type FieldType } from './fields.js';
import type { Snapshot } from './snapshot.js';

export interface InfoField {
  name: string;
  type: FieldType;
  tags: string;
  value: number | string;
}

export function formatUptime(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return `${d}d ${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s`;
}

export function infoFields(snap: Snapshot, listeners = 0): InfoField[] {
  const p = snap.process;
  const maxsock = p.maxconn * 2 + 15;
  const rows: [string, FieldType, string, number | string][] = [
    ['Name', 'str', 'POS', 'HAProxy'],
    ['Version', 'str', 'POS', VERSION],
    ['Release_date', 'str', 'POS', RELEASE_DATE],
    ['Nbthread', 'u32', 'CGS', p.nbthread],
    ['Nbproc', 'u32', 'CGS', 1],
    ['Process_num', 'u32', 'KGP', 1],
    ['Pid', 'u32', 'SGP', p.pid],
    ['Uptime', 'str', 'MDP', formatUptime(p.uptimeSec)],
    ['Uptime_sec', 'u32', 'MDP', p.uptimeSec],
    ['Memmax_MB', 'u32', 'CLP', 0],
    ['PoolAlloc_MB', 'u32', 'MGP', Math.floor(process.memoryUsage.rss() / 1048576)],
    ['PoolUsed_MB', 'u32', 'MGP', Math.floor(process.memoryUsage().heapUsed / 1048576)],
    ['PoolFailed', 'u32', 'MCP', 0],
    ['Ulimit-n', 'u32', 'CLP', maxsock],
    ['Maxsock', 'u32', 'CLP', maxsock],
    ['Maxconn', 'u32', 'CLP', p.maxconn],
    ['Hard_maxconn', 'u32', 'CLP', p.maxconn],
    ['CurrConns', 'u32', 'MGP', p.currConns],
    ['CumConns', 'u32', 'MCP', p.cumConns],
    ['CumReq', 'u32', 'MCP', p.cumReq],
    ['MaxSslConns', 'u32', 'MMP', 0],
    ['CurrSslConns', 'u32', 'MGP', 0],
    ['CumSslConns', 'u32', 'MCP', 0],
    ['Maxpipes', 'u32', 'CLP', 0],
    ['PipesUsed', 'u32', 'MGP', 0],
    ['PipesFree', 'u32', 'MGP', 0],
    ['ConnRate', 'u32', 'MRP', p.connRate],
    ['ConnRateLimit', 'u32', 'CLP', 0],
    ['MaxConnRate', 'u32', 'MMP', p.connRateMax],
    ['SessRate', 'u32', 'MRP', p.sessRate],
    ['SessRateLimit', 'u32', 'CLP', 0],
    ['MaxSessRate', 'u32', 'MRP', p.sessRateMax],
    ['SslRate', 'u32', 'MRP', 0],
    ['SslRateLimit', 'u32', 'CLP', 0],
    ['MaxSslRate', 'u32', 'MMP', 0],
    ['SslFrontendKeyRate', 'u32', 'MGP', 0],
    ['SslFrontendMaxKeyRate', 'u32', 'MMP', 0],
    ['SslFrontendSessionReuse_pct', 'u32', 'MGP', 0],
    ['SslBackendKeyRate', 'u32', 'MRP', 0],
    ['SslBackendMaxKeyRate', 'u32', 'MMP', 0],
    ['SslCacheLookups', 'u32', 'MCP', 0],
    ['SslCacheMisses', 'u32', 'MCP', 0],
    ['CompressBpsIn', 'u32', 'MRP', 0],
    ['CompressBpsOut', 'u32', 'MRP', 0],
    ['CompressBpsRateLim', 'u32', 'CLP', 0],
    ['Tasks', 'u32', 'MGP', snap.proxies.length + listeners],
    ['Run_queue', 'u32', 'MGP', 0],
    ['Idle_pct', 'u32', 'MaP', 100],
    ['node', 'str', 'COS', p.node],
    ['Stopping', 'u32', 'MGP', 0],
    ['Jobs', 'u32', 'MGP', p.currConns + listeners],
    ['Unstoppable Jobs', 'u32', 'MGP', 0],
    ['Listeners', 'u32', 'MGP', listeners],
    ['ActivePeers', 'u32', 'MGP', 0],
    ['ConnectedPeers', 'u32', 'MGP', 0],
    ['DroppedLogs', 'u32', 'MGP', 0],
    ['BusyPolling', 'u32', 'MGP', 0],
    ['FailedResolutions', 'u32', 'MGP', 0],
    ['TotalBytesOut', 'u64', 'MGP', p.bytesOut],
    ['TotalSplicdedBytesOut', 'u64', 'MGP', 0],
    ['BytesOutRate', 'u64', 'MRP', 0],
    ['DebugCommandsIssued', 'u32', 'MGP', 0],
    ['CumRecvLogs', 'u32', 'MCP', 0],
    ['Build info', 'str', 'POS', VERSION],
    ['Memmax_bytes', 'u32', 'CLP', 0],
    ['PoolAlloc_bytes', 'u64', 'MGP', process.memoryUsage.rss()],
    ['PoolUsed_bytes', 'u64', 'MGP', process.memoryUsage().heapUsed],
    ['Start_time_sec', 'u32', 'MDP', Math.floor(p.startMs / 1000)],
    ['Tainted', 'str', 'SGP', '0'],
  ];
  if (p.description !== undefined) rows.splice(49, 0, ['description', 'str', 'CGS', p.description]);
  return rows.map(([name, type, tags, value]) => ({ name, type, tags, value }));
}

/**
 * HAProxy numbers info fields by their place in its full list, which also holds the zlib
 * memory fields (45, 46: absent without zlib) and `description` (51: only when set).
 */
function infoPositions(fields: readonly InfoField[]): number[] {
  let shift = 0;
  return fields.map((f, i) => {
    if (f.name === 'Tasks') shift += 2;
    if (i > 0 && fields[i - 1]!.name === 'node' && f.name !== 'description') shift += 1;
    return i + shift;
  });
}

/** `show info`: `Name: value` lines. */
export function renderInfo(snap: Snapshot, listeners = 0): string {
  return infoFields(snap, listeners).map((f) => `${f.name}: ${f.value}\n`).join('');
}

/** `show info typed`: `<pos>.<name>.1:<tags>:<type>:<value>`. */
export function renderInfoTyped(snap: Snapshot, listeners = 0): string {
  const fields = infoFields(snap, listeners);
  const pos = infoPositions(fields);
  return fields.map((f, i) => `${pos[i]}.${f.name}.1:${f.tags}:${f.type}:${f.value}\n`).join('');
}

/** `show info json`. */
export function renderInfoJson(snap: Snapshot, listeners = 0): string {
  const fields = infoFields(snap, listeners);
  const pos = infoPositions(fields);
  const items = fields.map((f, i) => ({
    field: { pos: pos[i], name: f.name },
    processNum: 1,
    tags: tagNames(f.tags),
    value: { type: f.type, value: f.value },
  }));
  return JSON.stringify(items) + '\n';
}
