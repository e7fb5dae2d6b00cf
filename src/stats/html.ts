// The HTML statistics page: HAProxy's layout (process block, legend, display options, one
// table per proxy with its column groups and row colours) plus what operators ask for:
// in-place updates, a filter box, "problems only", phone-width layout, dark theme.

import { randomBytes } from 'node:crypto';
import { RELEASE_DATE, VERSION } from '../cli/version.js';
import type { Proxy } from '../core/proxy.js';
import type { StatsConfig } from '../config/model.js';
import { CLIENT_SCRIPT } from './client.js';
import { esc, groupDigits, humanDuration } from './format.js';
import { formatUptime } from './info.js';
import type { StatsRequestOptions } from './request.js';
import { viewSuffix } from './request.js';
import { selectProxies, type SelectOptions } from './select.js';
import { fieldValue, type ProxySnapshot, type Snapshot, type StatRow, type StatValue } from './snapshot.js';
import { STYLE } from './style.js';

export interface HtmlContext {
  px: Proxy;
  stats: StatsConfig;
  opts: StatsRequestOptions;
  select: SelectOptions;
  admin: boolean;
  user?: string | undefined;
  /** Fleet link state when the instance belongs to a fleet (Switchyard's own). */
  fleet?: { prefix: string; node: string; link: 'up' | 'down'; reason?: string; notShared: string[] } | undefined;
}

const BANNERS: Record<string, [string, string]> = {
  DONE: ['active_up', 'Action processed successfully.'],
  NONE: ['active_going_down', 'Nothing has changed.'],
  PART: ['active_going_down', 'Action partially processed: some server names were unknown or ambiguous.'],
  ERRP: ['active_down', 'Action not processed because of invalid parameters.<ul><li>The action may not apply to the selected servers.</li><li>A server or backend name may be unknown.</li><li>The backend may have changed since the page was loaded.</li></ul>'],
  EXCD: ['active_down', 'Action not processed: the request was too large. Retry with fewer servers.'],
  DENY: ['active_down', 'Action denied.'],
  IVAL: ['active_down', 'Invalid request.'],
};

const ADMIN_ACTIONS: [string, string][] = [
  ['', 'Choose an action'],
  ['ready', 'Set state to READY'],
  ['drain', 'Set state to DRAIN'],
  ['maint', 'Set state to MAINT'],
  ['dhlth', 'Health: disable checks'],
  ['ehlth', 'Health: enable checks'],
  ['hrunn', 'Health: force UP'],
  ['hnolb', 'Health: force NOLB'],
  ['hdown', 'Health: force DOWN'],
  ['dagent', 'Agent: disable checks'],
  ['eagent', 'Agent: enable checks'],
  ['arunn', 'Agent: force UP'],
  ['adown', 'Agent: force DOWN'],
  ['shutdown', 'Kill Sessions'],
];

type Cell = string;

const num = (v: StatValue): string => (v === undefined ? '' : groupDigits(v));
const lim = (v: StatValue): string => (v === undefined ? '-' : groupDigits(v));

/** A cell the page's script keeps up to date: kind says how to format field `f`. */
function live(kind: string, f: string, html: string, cls = ''): Cell {
  return `<td${cls ? ` class="${cls}"` : ''} data-k="${kind}" data-f="${f}">${html}</td>`;
}
/** Filled by the page's script with a sparkline of recent session rates. */
const SPARK = ' <span class="spark" aria-hidden="true"></span>';
const td = (html = '', attrs = ''): Cell => `<td${attrs ? ' ' + attrs : ''}>${html}</td>`;

function tip(value: string, tips: string): string {
  return `<u tabindex="0">${value}<div class="tips">${tips}</div></u>`;
}

function sessionsTip(row: StatRow): string {
  const v = (n: string) => num(fieldValue(row, n));
  const lines = [`Cum. sessions: ${v('stot')}`];
  if (fieldValue(row, 'req_tot') !== undefined) {
    lines.push(`Cum. HTTP requests: ${v('req_tot')}`);
    for (const c of ['1xx', '2xx', '3xx', '4xx', '5xx']) lines.push(`- HTTP ${c} responses: ${v(`hrsp_${c}`)}`);
    lines.push(`- other responses: ${v('hrsp_other')}`);
  }
  if (row.type !== 0) lines.push(timesTip(row));
  return lines.join('<br>');
}

function timesTip(row: StatRow): string {
  const v = (n: string) => num(fieldValue(row, n));
  return `Avg times (last 1024 requests)<br>- Queue time: ${v('qtime')} ms<br>- Connect time: ${v('ctime')} ms<br>- Response time: ${v('rtime')} ms<br>- Total time: ${v('ttime')} ms`;
}

function statusCell(row: StatRow): string {
  const status = String(fieldValue(row, 'status'));
  if (status === 'no check') return '<i>no check</i>';
  const age = humanDuration(Number(fieldValue(row, 'lastchg')));
  const health = fieldValue(row, 'check_health');
  let arrow = '';
  if (health !== undefined) {
    const full = Number(fieldValue(row, 'check_rise')) + Number(fieldValue(row, 'check_fall')) - 1;
    if (status.startsWith('DOWN') && Number(health) > 0) arrow = ' &uarr;';
    else if (!/^(DOWN|MAINT)/.test(status) && Number(health) < full) arrow = ' &darr;';
  }
  return `${age} ${esc(status)}${arrow}`;
}

function lastCheckCell(row: StatRow): string {
  const st = fieldValue(row, 'check_status');
  if (st === undefined) return '';
  const code = fieldValue(row, 'check_code');
  const last = fieldValue(row, 'last_chk');
  const tips = esc(fieldValue(row, 'check_desc')) + (last ? `: ${esc(last)}` : '');
  return tip(`${esc(st)}${code !== undefined ? `/${esc(code)}` : ''} in ${esc(fieldValue(row, 'check_duration'))}ms`, tips);
}

function frontendCells(row: StatRow): Cell[] {
  const v = (n: string) => fieldValue(row, n);
  return [
    td('Frontend', 'class="ac"'),
    td('', 'colspan="3"'),
    live('num', 'rate', num(v('rate'))), live('num', 'rate_max', num(v('rate_max'))), live('lim0', 'rate_lim', lim(v('rate_lim') || undefined)),
    live('num', 'scur', num(v('scur'))), live('num', 'smax', num(v('smax'))), live('lim', 'slim', lim(v('slim'))),
    `<td>${tip(num(v('stot')), sessionsTip(row))}</td>`, td(), td(),
    live('num', 'bin', num(v('bin'))), live('num', 'bout', num(v('bout'))),
    live('num', 'dreq', num(v('dreq'))), live('num', 'dresp', num(v('dresp'))),
    live('num', 'ereq', num(v('ereq'))), td(), td(),
    td(), td(),
    live('txt', 'status', esc(v('status')), 'ac'),
    td('', 'colspan="8"'),
  ];
}

function serverCells(row: StatRow, ctx: HtmlContext, px: ProxySnapshot): Cell[] {
  const v = (n: string) => fieldValue(row, n);
  const s = row.server!;
  const anchor = `${px.name}/${row.svname}`;
  let name = `<a name="${esc(anchor)}"></a><a class="lfsb" href="#${esc(anchor)}">${esc(row.svname)}</a>`;
  if (ctx.stats.showLegends) name = tip(name, `${s.addr.startsWith('[') ? 'IPv6' : 'IPv4'}: ${esc(s.addr)}, id: ${row.sid}`);
  name += SPARK;
  const cells: Cell[] = [];
  if (ctx.admin) cells.push(td(`<input class="${esc(px.name)}-checkbox" type="checkbox" name="s" value="${esc(row.svname)}">`));
  cells.push(
    td(name, 'class="ac"'),
    live('num', 'qcur', num(v('qcur'))), live('num', 'qmax', num(v('qmax'))), live('lim', 'qlimit', lim(v('qlimit'))),
    live('num', 'rate', num(v('rate'))), live('num', 'rate_max', num(v('rate_max'))), td(),
    live('num', 'scur', num(v('scur'))), live('num', 'smax', num(v('smax'))), live('lim', 'slim', lim(v('slim'))),
    `<td>${tip(num(v('stot')), timesTip(row))}</td>`, live('num', 'lbtot', num(v('lbtot'))), live('age', 'lastsess', humanDuration(Number(v('lastsess')))),
    live('num', 'bin', num(v('bin'))), live('num', 'bout', num(v('bout'))),
    td(), live('num', 'dresp', num(v('dresp'))),
    td(), live('num', 'econ', num(v('econ'))), live('num', 'eresp', num(v('eresp'))),
    live('num', 'wretr', num(v('wretr'))), live('num', 'wredis', num(v('wredis'))),
    live('sst', 'status', statusCell(row), 'ac'),
    live('chk', 'check_status', lastCheckCell(row), 'ac'),
    live('w', 'weight', `${esc(v('weight'))}/${esc(v('uweight'))}`, 'ac'),
    live('yn', 'act', v('act') ? 'Y' : '-', 'ac'), live('yn', 'bck', v('bck') ? 'Y' : '-', 'ac'),
  );
  if (s.tracked) cells.push(td(`via ${esc(s.tracked)}`, 'class="ac" colspan="3"'));
  else if (!s.checkEnabled) cells.push(td('', 'colspan="3"'));
  else {
    cells.push(
      `<td data-k="num" data-f="chkfail">${num(v('chkfail'))}</td>`,
      live('num', 'chkdown', num(v('chkdown'))),
      live('age', 'downtime', humanDuration(Number(v('downtime') ?? 0))),
    );
  }
  cells.push(live('thr', 'throttle', v('throttle') === undefined ? '-' : `${esc(v('throttle'))} %`, 'ac'));
  return cells;
}

function backendCells(row: StatRow, ctx: HtmlContext, px: ProxySnapshot): Cell[] {
  const v = (n: string) => fieldValue(row, n);
  let name = 'Backend';
  if (ctx.stats.showLegends && px.algo) name = tip(name, `balancing: ${esc(px.algo)}`);
  name += SPARK;
  const cells: Cell[] = [];
  if (ctx.admin && px.rows.some((r) => r.type === 2)) cells.push(td());
  cells.push(
    td(name, 'class="ac"'),
    live('num', 'qcur', num(v('qcur'))), live('num', 'qmax', num(v('qmax'))), td(),
    live('num', 'rate', num(v('rate'))), live('num', 'rate_max', num(v('rate_max'))), td(),
    live('num', 'scur', num(v('scur'))), live('num', 'smax', num(v('smax'))), live('lim', 'slim', lim(v('slim'))),
    `<td>${tip(num(v('stot')), sessionsTip(row))}</td>`, live('num', 'lbtot', num(v('lbtot'))), live('age', 'lastsess', humanDuration(Number(v('lastsess')))),
    live('num', 'bin', num(v('bin'))), live('num', 'bout', num(v('bout'))),
    live('num', 'dreq', num(v('dreq'))), live('num', 'dresp', num(v('dresp'))),
    td(), live('num', 'econ', num(v('econ'))), live('num', 'eresp', num(v('eresp'))),
    live('num', 'wretr', num(v('wretr'))), live('num', 'wredis', num(v('wredis'))),
    live('bst', 'status', `${humanDuration(Number(v('lastchg')))} ${esc(v('status'))}`, 'ac'),
    td('&nbsp;', 'class="ac"'),
    live('w', 'weight', `${esc(v('weight'))}/${esc(v('uweight'))}`, 'ac'),
    live('num', 'act', num(v('act')), 'ac'), live('num', 'bck', num(v('bck')), 'ac'),
    td('&nbsp;'), live('num', 'chkdown', num(v('chkdown'))),
    live('age', 'downtime', v('downtime') === undefined ? '' : humanDuration(Number(v('downtime')))),
    td(),
  );
  return cells;
}

function proxyBlock(px: ProxySnapshot, ctx: HtmlContext): string {
  const hasServers = px.rows.some((r) => r.type === 2);
  const withForm = ctx.admin && hasServers;
  const title = ctx.stats.showLegends ? tip(esc(px.name), `cap: ${px.cap}, mode: ${esc(px.mode)}, id: ${px.iid}`) : esc(px.name);
  let out = `<div class="px" data-px="${esc(px.name)}">`;
  if (withForm) out += '<form method="post">';
  out += `<table class="tblhead"><tr><th class="pxname"><a name="${esc(px.name)}"></a><a class="px" href="#${esc(px.name)}">${title}</a></th>`;
  out += px.description ? `<th class="desc">${esc(px.description)}</th>` : '<th class="empty"></th>';
  out += '</tr></table><div class="scroll"><table class="tbl"><thead><tr class="titre">';
  if (withForm) out += `<th rowspan="2"><input type="checkbox" class="sy-all" title="Select all servers" aria-label="Select all servers of ${esc(px.name)}"></th>`;
  out += '<th rowspan="2" class="pxname-col"></th><th colspan="3">Queue</th><th colspan="3">Session rate</th><th colspan="6">Sessions</th>';
  out += '<th colspan="2">Bytes</th><th colspan="2">Denied</th><th colspan="3">Errors</th><th colspan="2">Warnings</th><th colspan="9">Server</th></tr>';
  out += '<tr class="titre">';
  for (const h of ['Cur', 'Max', 'Limit', 'Cur', 'Max', 'Limit', 'Cur', 'Max', 'Limit', 'Total', 'LbTot', 'Last', 'In', 'Out', 'Req', 'Resp', 'Req', 'Conn', 'Resp', 'Retr', 'Redis', 'Status', 'LastChk', 'Wght', 'Act', 'Bck', 'Chk', 'Dwn', 'Dwntme', 'Thrtle']) {
    out += `<th>${h}</th>`;
  }
  out += '</tr></thead><tbody>';
  for (const row of px.rows) {
    const attrs = `class="${row.rowClass}" data-px="${esc(px.name)}" data-sv="${esc(row.svname)}" data-status="${esc(fieldValue(row, 'status'))}"`;
    let cells: Cell[];
    if (row.type === 0) cells = (withForm ? [td()] : []).concat(frontendCells(row));
    else if (row.type === 2) cells = serverCells(row, ctx, px);
    else cells = backendCells(row, ctx, px);
    out += `<tr ${attrs}>${cells.join('')}</tr>`;
  }
  out += '</tbody></table></div>';
  if (withForm) {
    out += '<div class="actions">Choose the action to perform on the checked servers : <select name="action">';
    for (const [value, label] of ADMIN_ACTIONS) out += `<option value="${value}">${label}</option>`;
    out += `</select><input type="hidden" name="b" value="#${px.iid}"> <input type="submit" value="Apply"></div></form>`;
  }
  return out + '</div>';
}

function infoBlock(snap: Snapshot, fleet: HtmlContext['fleet'], statsUri: string): string {
  const p = snap.process;
  const lines = [
    `<b>pid = </b> ${p.pid} (process #1, nbproc = 1, nbthread = ${p.nbthread})`,
    `<b>uptime = </b> ${formatUptime(p.uptimeSec)}`,
    `<b>system limits:</b> memmax = unlimited; ulimit-n = ${p.maxconn * 2 + 15}`,
    `<b>maxsock = </b> ${p.maxconn * 2 + 15}; <b>maxconn = </b> ${p.maxconn}; <b>maxpipes = </b> 0`,
    `current conns = ${p.currConns}; current pipes = 0/0; conn rate = ${p.connRate}/sec; bit rate = ${bitRate(p)}`,
    `Running tasks: 1/${snap.proxies.length + 1}; idle = 100 %`,
  ];
  if (fleet) {
    const down = fleet.link === 'down' ? `<span class="fleet-down">fleet link down${fleet.reason ? ` (${esc(fleet.reason)})` : ''}</span>` : 'fleet link up';
    lines.push(`<b>fleet = </b> ${esc(fleet.prefix)} as ${esc(fleet.node)}; ${down}; <a href="${esc(statsUri)};fleet">fleet view</a>`);
    if (fleet.notShared.length > 0) lines.push(`<b>not shared:</b> <span class="fleet-down">${fleet.notShared.map(esc).join(', ')}</span>`);
  }
  return `<td class="info">${lines.join('<br>\n')}</td>`;
}

function bitRate(p: Snapshot['process']): string {
  const kbps = p.uptimeSec > 0 ? (p.bytesOut * 8) / 1000 / p.uptimeSec : 0;
  if (kbps >= 1e6) return `${(kbps / 1e6).toFixed(3)} Gbps`;
  if (kbps >= 1e3) return `${(kbps / 1e3).toFixed(3)} Mbps`;
  return `${kbps.toFixed(3)} kbps`;
}

const LEGEND: [string, string, string][] = [
  ['active_up', 'backup_up', 'UP'],
  ['active_going_down', 'backup_going_down', 'UP, going down'],
  ['active_going_up', 'backup_going_up', 'DOWN, going up'],
  ['active_down', 'backup_down', 'DOWN'],
  ['active_nolb', 'backup_nolb', 'NOLB (soft stopped)'],
  ['active_draining', 'backup_draining', 'DRAIN (soft stopped for maintenance)'],
  ['active_no_check', 'backup_no_check', 'not checked'],
  ['maintain', 'maintain', 'MAINT (down for maintenance)'],
];

function legendBlock(): string {
  let out = '<td class="legend"><table class="lgd"><tr><th></th><th>active</th><th>backup</th></tr>';
  for (const [a, b, label] of LEGEND) out += `<tr><td>${label}</td><td class="${a}">&nbsp;</td><td class="${b}">&nbsp;</td></tr>`;
  return out + '</table>Note: "NOLB"/"DRAIN" = UP with load-balancing disabled.</td>';
}

function optionsBlock(ctx: HtmlContext): string {
  const uri = esc(ctx.stats.uri);
  const o = ctx.opts;
  const link = (suffix: string, label: string) => `<li><a href="${uri}${esc(suffix)}">${label}</a></li>`;
  let out = '<td class="options"><b>Display option:</b><ul>';
  out += `<li><form method="get" action="${uri}${o.up ? ';up' : ''}${o.norefresh ? ';norefresh' : ''}"><label>Scope : <input name="scope" size="8" maxlength="20" value="${esc(o.scope)}"></label></form></li>`;
  out += o.up ? link(viewSuffix(o, { up: false }), 'Show all servers') : link(viewSuffix(o, { up: true }), "Hide 'DOWN' servers");
  if (ctx.stats.refreshSeconds > 0) {
    out += o.norefresh ? link(viewSuffix(o, { norefresh: false }), 'Enable refresh') : link(viewSuffix(o, { norefresh: true }), 'Disable refresh');
  }
  out += link(viewSuffix(o), 'Refresh now');
  const csvRefresh = ctx.stats.refreshSeconds > 0 ? ';norefresh' : '';
  out += `<li><a href="${uri};csv${csvRefresh}">CSV export</a></li>`;
  out += `<li><a href="${uri};json${csvRefresh}">JSON export</a> (<a href="${uri};json-schema">schema</a>)</li>`;
  return out + '</ul></td>';
}

function banner(ctx: HtmlContext): string {
  const code = ctx.opts.st;
  if (!code) return '';
  const [cls, text] = BANNERS[code] ?? ['active_no_check', 'Unexpected result.'];
  const href = `${ctx.stats.uri}${viewSuffix(ctx.opts)}`;
  return `<p><div class="banner ${cls}" role="status"><a class="lfsb" href="${esc(href)}" title="Remove this message">[X]</a> ${text}</div>`;
}

/** Above this many rows the page's live updates read `;csv` rather than `;json`. */
export const LIVE_JSON_MAX_ROWS = 300;

export interface HtmlPage {
  headers: [string, string][];
  body: string;
}

export function renderHtml(snap: Snapshot, ctx: HtmlContext): HtmlPage {
  const nonce = randomBytes(16).toString('base64');
  const p = snap.process;
  const version = ctx.stats.hideVersion ? 'HAProxy' : `HAProxy version ${esc(VERSION)}, released ${RELEASE_DATE}`;
  let h2 = `Statistics Report for pid ${p.pid}`;
  if (ctx.stats.showNode !== undefined) h2 += ` on ${esc(ctx.stats.showNode || p.node)}`;
  if (ctx.stats.showDesc !== undefined) h2 += `: ${esc(ctx.stats.showDesc || p.description || '')}`;
  const live = !ctx.opts.norefresh;
  const interval = live ? (ctx.stats.refreshSeconds > 0 ? ctx.stats.refreshSeconds : 5) * 1000 : 0;
  const shown = selectProxies(snap, ctx.select);
  // typed JSON costs ~15 kB per server: past a few hundred rows the page follows ;csv instead
  const csv = shown.reduce((n, p) => n + p.rows.length, 0) > LIVE_JSON_MAX_ROWS;
  const view = `;norefresh${ctx.opts.up ? ';up' : ''}${ctx.opts.noMaint ? ';no-maint' : ''}${ctx.opts.scope ? `?scope=${ctx.opts.scope}` : ''}`;
  const feed = `${ctx.stats.uri}${csv ? ';csv' : ';json'}${view}`;
  const cfg = JSON.stringify({ feed, csv, interval, stopRefresh: live && ctx.stats.refreshSeconds > 0 }).replace(/</g, '\\u003c');
  let body = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">';
  body += '<meta name="viewport" content="width=device-width, initial-scale=1">';
  body += '<meta name="color-scheme" content="light dark">';
  body += '<title>Statistics Report for HAProxy</title><link rel="icon" href="data:,">';
  body += `<style nonce="${nonce}">${STYLE}</style></head><body>`;
  body += `<h1><a href="https://www.haproxy.org/" rel="noreferrer">${version}</a></h1>`;
  body += `<h2>${h2}</h2><hr><h3>&gt; General process information</h3>`;
  body += `<table class="top"><tr>${infoBlock(snap, ctx.fleet, ctx.stats.uri)}${legendBlock()}${optionsBlock(ctx)}</tr></table>`;
  body += banner(ctx);
  body += '<div class="toolbar"><label>Filter <input id="sy-filter" type="search" placeholder="name or status" autocomplete="off"></label>';
  body += ' <label><input id="sy-problems" type="checkbox"> problems only</label>';
  body += `${ctx.user ? ` <span class="who">signed in as ${esc(ctx.user)}</span>` : ''} <span id="sy-updated" class="stamp"></span></div>`;
  for (const px of shown) body += proxyBlock(px, ctx);
  body += `<script type="application/json" id="sy-cfg">${cfg}</script>`;
  body += `<script nonce="${nonce}">${CLIENT_SCRIPT}</script></body></html>\n`;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    'img-src data:',
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return {
    headers: [
      ['content-security-policy', csp],
      ['x-content-type-options', 'nosniff'],
      ['x-frame-options', 'DENY'],
      ['referrer-policy', 'same-origin'],
    ],
    body,
  };
}
