// The runtime API's command language: one command (already split into words) in, its reply
// out, with HAProxy 2.6's wording. No sockets here; socket.ts frames the replies. Reads go
// through the stats snapshot, every change through control/.

import { isIP } from 'node:net';
import { VERSION } from '../cli/version.js';
import type { Actor, ActionResult, Control, ServerAction } from '../control/commands.js';
import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import type { Snapshot } from '../stats/snapshot.js';
import { apiSnapshot } from './snapshot.js';
import { renderCsv } from '../stats/csv.js';
import { renderJson, renderSchema, renderTyped } from '../stats/json.js';
import { renderInfo, renderInfoJson, renderInfoTyped } from '../stats/info.js';
import type { SelectOptions } from '../stats/select.js';
import { commandListText, helpText, unknownCommandText } from './help.js';
import { renderServersState } from './servers-state.js';
import { fleetOf } from '../fleet/index.js';
import { fleetInfo, showFleet } from '../fleet/view.js';

export type CliLevel = 'user' | 'operator' | 'admin';
const RANK: Record<CliLevel, number> = { user: 0, operator: 1, admin: 2 };

/** One connection to a stats socket. */
export interface CliSession {
  readonly id: number;
  level: CliLevel;
  /** `prompt` mode: answers end with `\n> ` and the connection stays open. */
  interactive: boolean;
  timeoutMs: number;
  /** Set by `quit`: close once the reply is out. */
  quit: boolean;
  readonly proto: string;
  readonly src: string;
  readonly startMs: number;
  kill(): void;
}

export interface CliContext {
  runtime: Runtime;
  control: Control;
  /** Listening sockets of the process (frontend binds + stats sockets), for `show info`. */
  listeners(): number;
  sessions(): Iterable<CliSession>;
  /** The process-wide snapshot when several workers serve (merged asynchronously); default: this runtime's. */
  snapshot?: () => Promise<Snapshot>;
}

type Reply = string | Promise<string>;

const DENIED = 'Permission denied\n';
const NEED_SERVER = "Require 'backend/server'.\n";

/** Splits a line into commands at unescaped `;`, and each command into words (`\` escapes). */
export function parseLine(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === ';') {
      endWord();
      commands.push(words);
      words = [];
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  commands.push(words);
  return commands.filter((w, i) => w.length > 0 || i === 0);
}

function permitted(s: CliSession, need: CliLevel): boolean {
  return RANK[s.level] >= RANK[need];
}

function findServer(rt: Runtime, arg: string | undefined): Server | string {
  const slash = arg?.indexOf('/') ?? -1;
  if (arg === undefined || slash < 0) return NEED_SERVER;
  const be = rt.backend(arg.slice(0, slash));
  if (!be) return 'No such backend.\n';
  const name = arg.slice(slash + 1);
  const sv = name.startsWith('#') ? be.servers.find((s) => s.id === Number(name.slice(1))) : be.serversByName.get(name);
  return sv ?? 'No such server.\n';
}

function reply(r: ActionResult): string {
  if (!r.ok) return r.message + '\n';
  return r.message !== undefined ? r.message + '\n' : '';
}

function intArg(text: string | undefined): number | undefined {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/** `set timeout cli` delay: seconds by default, or with a unit. */
function parseDelayMs(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^(\d+)(us|ms|s|m|h|d)?$/.exec(text);
  if (!m) return undefined;
  const unit: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Math.ceil(Number(m[1]) * unit[m[2] ?? 's']!);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** HAProxy's log date: `26/Nov/2026:19:04:51.945`. */
function logDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function sessionLine(s: CliSession, nowMs: number): string {
  const age = Math.floor((nowMs - s.startMs) / 1000);
  return `0x${s.id.toString(16)}: proto=${s.proto} src=${s.src} fe=GLOBAL be=<NONE> srv=<none> ts=00 epoch=0 age=${age}s calls=1 rate=0 cpu=0 lat=0\n`;
}

export class Cli {
  constructor(private readonly ctx: CliContext) {}

  /** Renders from the process-wide snapshot: synchronously unless workers must be asked. */
  private withSnapshot(render: (snap: Snapshot) => string): Reply {
    const snap = apiSnapshot(this.ctx.runtime, this.ctx.snapshot);
    return snap instanceof Promise ? snap.then(render) : render(snap);
  }

  /** Runs one command and returns its reply, without the end-of-reply marker. */
  execute(session: CliSession, words: readonly string[]): Reply {
    const [w0, w1] = words;
    const actor: Actor = { via: 'socket', src: session.src };
    // No word at all (a blank line, a lone `;`): HAProxy lists every command.
    if (words.length === 0) return commandListText();
    switch (w0) {
      case 'help': return helpText(words.slice(1));
      case 'prompt':
        session.interactive = !session.interactive;
        return '';
      case 'quit':
        session.quit = true;
        return '';
      case 'operator': case 'user':
        if (!permitted(session, w0)) return DENIED;
        session.level = w0;
        return '';
      case 'show': return this.show(session, words);
      case 'get':
        if (w1 === 'weight') return this.getWeight(words[2]);
        break;
      case 'set': return this.set(session, words, actor);
      case 'enable': case 'disable': return this.toggle(session, words, actor);
      case 'shutdown': return this.shutdown(session, words, actor);
      case 'clear':
        if (w1 !== 'counters') break;
        if (!permitted(session, words[2] === 'all' ? 'admin' : 'operator')) return DENIED;
        return reply(this.ctx.control.clearCounters(words[2] === 'all', actor));
    }
    return unknownCommandText(words);
  }

  private show(session: CliSession, words: readonly string[]): Reply {
    const rt = this.ctx.runtime;
    const now = Date.now();
    switch (words[1]) {
      case 'info': {
        const flags = words.slice(2);
        const render = flags.includes('json') ? renderInfoJson : flags.includes('typed') ? renderInfoTyped : renderInfo;
        const fleet = fleetOf(rt);
        // Switchyard's fleet link state follows HAProxy's keys in the plain form only.
        const extra = fleet && render === renderInfo ? fleetInfo(fleet.status()).map(([k, v]) => `${k}: ${v}\n`).join('') : '';
        return this.withSnapshot((snap) => render(snap, this.ctx.listeners()) + extra);
      }
      case 'fleet': return showFleet(fleetOf(rt));
      case 'stat': return this.showStat(session, words);
      case 'schema':
        if (words[2] === 'json') return renderSchema();
        break;
      case 'servers':
        if (words[2] === 'state') {
          const name = words[3];
          if (name === undefined) return renderServersState(rt.proxies.filter((p) => p.config.isBackend), now);
          const be = rt.backend(name);
          return be ? renderServersState([be], now) : "Can't find backend.\n";
        }
        break;
      case 'backend':
        return '# name\n' + rt.proxies.filter((p) => p.config.isBackend).map((p) => p.name + '\n').join('');
      case 'sess': {
        if (!permitted(session, 'operator')) return DENIED;
        const all = [...this.ctx.sessions()];
        if (words[2] !== undefined && !Number.isNaN(Number(words[2]))) {
          const s = all.find((x) => x.id === Number(words[2]));
          return s ? sessionLine(s, now) : 'Session not found.\n';
        }
        return all.map((s) => sessionLine(s, now)).join('');
      }
      case 'errors':
        if (!permitted(session, 'operator')) return DENIED;
        return `Total events captured on [${logDate(now)}] : 0\n`;
      case 'pools':
        return 'Dumping pools usage. Use SIGQUIT to flush them.\nTotal: 0 pools, 0 bytes allocated, 0 used (~0 by thread caches).\n';
      case 'version': return VERSION + '\n';
      case 'cli':
        if (words[2] === 'level') return session.level + '\n';
        break;
    }
    return unknownCommandText(words);
  }

  private showStat(session: CliSession, words: readonly string[]): Reply {
    const opts: SelectOptions = { legends: permitted(session, 'operator') };
    let flags = words.slice(2);
    const [px, type, sid] = flags;
    if (px !== undefined && type !== undefined && sid !== undefined && intArg(type) !== undefined) {
      const iid = intArg(px) ?? this.ctx.runtime.proxiesByName.get(px)?.id;
      if (iid === undefined) return 'No such proxy.\n';
      opts.iid = iid;
      opts.typeMask = intArg(type)!;
      opts.sid = intArg(sid) ?? -1;
      flags = flags.slice(3);
    }
    if (flags.includes('up')) opts.up = true;
    if (flags.includes('no-maint')) opts.noMaint = true;
    const desc = flags.includes('desc');
    if (flags.includes('json')) return this.withSnapshot((snap) => renderJson(snap, opts, desc));
    if (flags.includes('typed')) return this.withSnapshot((snap) => renderTyped(snap, opts, desc));
    return this.withSnapshot((snap) => renderCsv(snap, opts));
  }

  private getWeight(arg: string | undefined): string {
    const sv = findServer(this.ctx.runtime, arg);
    if (typeof sv === 'string') return sv;
    return `${sv.state.weight} (initial ${sv.state.initialWeight})\n`;
  }

  private set(session: CliSession, words: readonly string[], actor: Actor): string {
    const control = this.ctx.control;
    switch (words[1]) {
      case 'timeout': {
        if (words[2] !== 'cli') return "'set timeout' only supports 'cli'.\n";
        if (words[3] === undefined) return 'Expects an integer value.\n';
        const ms = parseDelayMs(words[3]);
        if (ms === undefined) return 'Invalid timeout value.\n';
        session.timeoutMs = ms;
        return '';
      }
      case 'server': {
        if (!permitted(session, 'admin')) return DENIED;
        const sv = findServer(this.ctx.runtime, words[2]);
        if (typeof sv === 'string') return sv;
        return this.setServer(sv, words.slice(3), actor);
      }
      case 'weight': {
        if (!permitted(session, 'admin')) return DENIED;
        const sv = findServer(this.ctx.runtime, words[2]);
        if (typeof sv === 'string') return sv;
        if (words[3] === undefined) return 'Require <weight> or <weight%>.\n';
        return reply(control.setWeight(sv, words[3], actor));
      }
      case 'maxconn': {
        if (!permitted(session, 'admin')) return DENIED;
        return this.setMaxconn(words, actor);
      }
    }
    return unknownCommandText(words);
  }

  private setServer(sv: Server, args: readonly string[], actor: Actor): string {
    const control = this.ctx.control;
    const [what, value] = args;
    switch (what) {
      case 'state': {
        if (value !== 'ready' && value !== 'drain' && value !== 'maint') return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
        return reply(control.serverAction(sv, value, actor));
      }
      case 'health': {
        const action: Record<string, ServerAction> = { up: 'hrunn', stopping: 'hnolb', down: 'hdown' };
        if (value === undefined || !action[value]) return "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n";
        return reply(control.serverAction(sv, action[value], actor));
      }
      case 'agent': {
        if (!sv.state.agent.configured) return 'agent checks are not enabled on this server.\n';
        if (value !== 'up' && value !== 'down') return "'set server <srv> agent' expects 'up' or 'down'.\n";
        return reply(control.serverAction(sv, value === 'up' ? 'arunn' : 'adown', actor));
      }
      case 'weight':
        if (value === undefined) return 'Require <weight> or <weight%>.\n';
        return reply(control.setWeight(sv, value, actor));
      case 'addr': {
        if (value === undefined) return 'set server <b>/<s> addr requires an address and optionally a port.\n';
        if (isIP(value) === 0) return `Invalid addr '${value}' by 'stats socket command'\n`;
        let port: number | undefined;
        if (args[2] === 'port') {
          port = intArg(args[3]);
          if (port === undefined) return `problem converting port '${args[3] ?? ''}' to an int by 'stats socket command'\n`;
        }
        return reply(control.setAddress(sv, value, port, actor));
      }
      case 'check-port': {
        if (value === undefined) return 'set server <b>/<s> check-port requires a port.\n';
        const port = intArg(value);
        if (port === undefined) return 'provided port is not an integer';
        return reply(control.setCheckPort(sv, port, actor));
      }
    }
    return 'usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n';
  }

  private setMaxconn(words: readonly string[], actor: Actor): string {
    const control = this.ctx.control;
    switch (words[2]) {
      case 'server': {
        const sv = findServer(this.ctx.runtime, words[3]);
        if (typeof sv === 'string') return sv;
        if (words[4] === undefined) return 'Require <maxconn>.\n';
        const n = intArg(words[4]);
        if (n === undefined) return 'maxconn string empty or preceded by garbage';
        return reply(control.setMaxconn(sv, n, actor));
      }
      case 'frontend': {
        if (words[3] === undefined) return 'A frontend name is expected.\n';
        const fe = this.ctx.runtime.frontend(words[3]);
        if (!fe) return 'No such frontend.\n';
        if (words[4] === undefined) return 'Integer value expected.\n';
        // HAProxy reads the value with atoi(): trailing garbage is ignored, none at all is 0.
        return reply(control.setFrontendMaxconn(fe, parseInt(words[4], 10) || 0, actor));
      }
      case 'global': {
        if (words[3] === undefined) return 'Expects an integer value.\n';
        // As HAProxy: atoi(), and 0 means back to the configured limit.
        const n = parseInt(words[3], 10) || this.ctx.runtime.config.global.maxconn;
        return reply(control.setGlobalMaxconn(n, actor));
      }
    }
    return unknownCommandText(words);
  }

  private toggle(session: CliSession, words: readonly string[], actor: Actor): string {
    const enable = words[0] === 'enable';
    const what = words[1];
    if (what === 'frontend') {
      if (!permitted(session, 'admin')) return DENIED;
      if (words[2] === undefined) return 'A frontend name is expected.\n';
      const fe = this.ctx.runtime.frontend(words[2]);
      if (!fe) return 'No such frontend.\n';
      return reply(this.ctx.control.setFrontendEnabled(fe, enable, actor));
    }
    if (what !== 'server' && what !== 'health' && what !== 'agent') return unknownCommandText(words);
    if (!permitted(session, 'admin')) return DENIED;
    const sv = findServer(this.ctx.runtime, words[2]);
    if (typeof sv === 'string') return sv;
    if (what === 'server') return reply(this.ctx.control.serverAction(sv, enable ? 'ready' : 'maint', actor));
    if (what === 'health') {
      if (enable && !sv.state.check.configured) return 'Health checks are not configured on this server, cannot enable.\n';
      return reply(this.ctx.control.serverAction(sv, enable ? 'ehlth' : 'dhlth', actor));
    }
    if (!sv.state.agent.configured) return enable ? 'Agent was not configured on this server, cannot enable.\n' : '';
    return reply(this.ctx.control.serverAction(sv, enable ? 'eagent' : 'dagent', actor));
  }

  private shutdown(session: CliSession, words: readonly string[], actor: Actor): string {
    if (words[1] === 'sessions' && words[2] === 'server') {
      if (!permitted(session, 'admin')) return DENIED;
      const sv = findServer(this.ctx.runtime, words[3]);
      if (typeof sv === 'string') return sv;
      return reply(this.ctx.control.serverAction(sv, 'shutdown', actor));
    }
    if (words[1] === 'session') {
      if (!permitted(session, 'admin')) return DENIED;
      if (words[2] === undefined) return "Session pointer expected (use 'show sess').\n";
      const target = [...this.ctx.sessions()].find((s) => s.id === Number(words[2]));
      if (!target) return "No such session (use 'show sess').\n";
      target.kill();
      return '';
    }
    return unknownCommandText(words);
  }
}
