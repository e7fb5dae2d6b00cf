// Sections and keywords → typed model. Pure: files arrive as text, the environment,
// pattern files and name resolution are passed in. Problems go to Diagnostics.
import { lexLine } from './lexer.js';
import { Diagnostics, at, atTight } from './diagnostics.js';
import type { Config, GlobalConfig, ProxyConfig, SourceRef, Userlist } from './model.js';
import { NOT_IMPLEMENTED_GLOBAL_KEYWORDS, NOT_IMPLEMENTED_SECTIONS, notImplementedMessage } from './not-implemented.js';
import { inheritDefaults } from './proxy-defaults.js';
import { parseProxyKeyword } from './proxy-keywords.js';
import type { ProxyDraft } from './draft.js';
import { parseGlobalKeyword, GLOBAL_KEYWORDS } from './global-keywords.js';
import { suggestion } from './suggest.js';
import { initialServerParams, cloneServerParams } from './server.js';
import { validateConfig } from './validate.js';
import { evalCondExpr } from './cond-expr.js';

export interface SourceFile {
  file: string;
  text: string;
}

export interface ParseOptions {
  env: NodeJS.ProcessEnv;
  /** Contents of an ACL pattern file, undefined when it cannot be read. */
  readPatternFile: (path: string) => string | undefined;
  /** Resolve a host name to an address text, undefined when it does not resolve. */
  resolveHost: (host: string, family: 4 | 6) => string | undefined;
  hostname: string;
  /** Default for global maxconn (HAProxy derives it from the file-descriptor limit). */
  defaultMaxconn: number;
}

export interface ParseResult {
  config?: Config;
  diagnostics: Diagnostics;
  /** false when the configuration has nothing that listens (haproxy -c exits 2). */
  hasListener: boolean;
}

const SECTIONS = new Set(['global', 'defaults', 'frontend', 'backend', 'listen', 'userlist']);

export function emptyGlobal(hostname: string, maxconn: number): GlobalConfig {
  return {
    maxconn,
    statsSockets: [],
    statsTimeout: 10_000,
    statsMaxconn: 10,
    node: hostname,
    daemon: false,
    masterWorker: false,
    logs: [],
    zeroWarning: false,
    tune: { bufsize: 16384, maxrewrite: 1024, httpMaxhdr: 101 },
  };
}

type Section =
  | { kind: 'none' }
  | { kind: 'invalid' }
  | { kind: 'skipped' }
  | { kind: 'global' }
  | { kind: 'userlist'; list: Userlist }
  | { kind: 'proxy'; draft: ProxyDraft };

export function parseConfig(sources: SourceFile[], opts: ParseOptions): ParseResult {
  const diags = new Diagnostics();
  const env = { ...opts.env };
  const global = emptyGlobal(opts.hostname, opts.defaultMaxconn);
  const drafts: ProxyDraft[] = [];
  const namedDefaults = new Map<string, ProxyDraft>();
  const defaultsDrafts: ProxyDraft[] = [];
  let cliProxyPosition: number | undefined;
  let programSection: SourceRef | undefined;
  const userlists: Record<string, Userlist> = {};
  let lastDefaults: ProxyDraft | undefined;
  let section: Section = { kind: 'none' };
  const firstFe = new Map<string, { kind: string; where: SourceRef }>();
  const firstBe = new Map<string, { kind: string; where: SourceRef }>();

  const newDraft = (kind: 'defaults' | ProxyConfig['section'], name: string, where: SourceRef, from: ProxyDraft | undefined): ProxyDraft => {
    // A defaults section is held as a listen-shaped proxy so it can carry every setting.
    const cfg = inheritDefaults(kind === 'defaults' ? 'listen' : kind, name, where, from?.cfg);
    return {
      cfg,
      isDefaults: kind === 'defaults',
      defaultServer: from ? cloneServerParams(from.defaultServer) : initialServerParams(),
      aclNames: new Set(),
      maxconnSet: from ? from.maxconnSet : false,
      logGlobal: from ? from.logGlobal : false,
      serverLines: new Map(),
      hostnames: [],
      forcedId: undefined,
      ruleKinds: new Set(),
      trackScRules: [],
      serverFetches: [],
    };
  };

  for (const src of sources) {
    const lines = src.text.split('\n');
    const blocks = new CondBlocks();
    for (let ln = 0; ln < lines.length; ln++) {
      const where: SourceRef = { file: src.file, line: ln + 1 };
      const lexed = lexLine(lines[ln], env);
      if (lexed.error) {
        // Reported even inside a false `.if` block, as HAProxy splits every line first.
        // It shows the line (without indentation) and a caret under the culprit.
        const line = maskSecret(lines[ln].replace(/\r$/, ''));
        const lead = line.length - line.trimStart().length;
        const caret = ' '.repeat(Math.max(0, (lexed.errorPos ?? lead) - lead));
        diags.alert(`${atTight(where)}${lexed.error}:\n  ${line.trimStart()}\n  ${caret}^`, where);
        continue;
      }
      const words = lexed.words;
      if (words.length === 0) continue;
      const kw = words[0];
      if (kw.startsWith('.')) {
        blocks.directive(words, where, env, diags);
        continue;
      }
      if (!blocks.active) continue;

      if (NOT_IMPLEMENTED_SECTIONS.has(kw)) {
        if (kw === 'program') programSection ??= where;
        diags.warning(`${at(where)}${notImplementedMessage(`${kw} section`)}`, where);
        section = { kind: 'skipped' };
        continue;
      }
      if (SECTIONS.has(kw)) {
        if (kw === 'global') {
          if (words.length > 1) diags.alert(`${at(where)}'global' cannot handle unexpected argument '${words[1]}'.`, where);
          section = { kind: 'global' };
          continue;
        }
        if (kw === 'userlist') {
          const name = words[1] ?? '';
          if (name === '') {
            diags.alert(`${atTight(where)}'userlist' expects <name> as arguments.`, where);
            section = { kind: 'none' };
            continue;
          }
          if (words.length > 2) diags.alert(`${at(where)}'userlist' cannot handle unexpected argument '${words[2]}'.`, where);
          if (Object.hasOwn(userlists, name)) {
            diags.warning(`${atTight(where)}ignoring duplicated userlist '${name}'.`, where);
            section = { kind: 'skipped' };
            continue;
          }
          const list: Userlist = { name, users: [], groups: {} };
          userlists[name] = list;
          section = { kind: 'userlist', list };
          continue;
        }
        const name = words[1] ?? '';
        let from = lastDefaults;
        const fromIdx = words.indexOf('from');
        if (fromIdx >= 1) {
          const ref = words[fromIdx + 1] ?? '';
          const named = namedDefaults.get(ref);
          if (!named) diags.alert(`${atTight(where)}defaults section '${ref}' not found for ${kw} '${name}'.`, where);
          else from = named;
        }
        if (from && from.ruleKinds.size > 0 && (kw !== 'defaults' || fromIdx >= 1)) {
          const msg = inheritanceError(kw, from);
          if (msg) {
            diags.alert(`${atTight(where)}${msg}`, where);
            diags.aborted = true;
          }
        }
        if (from && fromIdx >= 1) from.explicitlyUsed = true;
        else if (from && from.explicitlyUsed && kw !== 'defaults') {
          diags.alert(
            `${at(where)}defaults section '${from.cfg.name}' (declared at ${from.cfg.where.file}:${from.cfg.where.line}) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.`,
            where,
          );
          diags.aborted = true;
        }
        if (kw === 'defaults') {
          const d = newDraft('defaults', fromIdx === 1 ? '' : name, where, fromIdx >= 1 ? from : undefined);
          if (d.cfg.name !== '') namedDefaults.set(d.cfg.name, d);
          defaultsDrafts.push(d);
          lastDefaults = d;
          section = { kind: 'proxy', draft: d };
          continue;
        }
        // `listen name addr:port` is the pre-1.5 syntax; HAProxy refuses it and the whole section.
        const extra = fromIdx === 2 ? 4 : 2;
        if (kw !== 'defaults' && words.length > extra) {
          if (fromIdx === 2) diags.alert(`${at(where)}'${kw}' cannot handle unexpected argument '${words[extra]}'.`, where);
          if (kw !== 'backend') diags.alert(`${at(where)}please use the 'bind' keyword for listening addresses.`, where);
          section = { kind: 'invalid' };
          continue;
        }
        if (name === '' || name === 'from') {
          diags.alert(`${atTight(where)}'${kw}' expects an <id> argument`, where);
          section = { kind: 'none' };
          continue;
        }
        if (!/^[A-Za-z0-9_.:-]+$/.test(name)) {
          const bad = /[^A-Za-z0-9_.:-]/.exec(name)![0];
          diags.alert(`${atTight(where)}character '${bad}' is not permitted in '${kw}' name '${name}'.`, where);
        }
        const draft = newDraft(kw as ProxyConfig['section'], name, where, from);
        const fePrev = draft.cfg.isFrontend ? firstFe.get(name) : undefined;
        const bePrev = draft.cfg.isBackend ? firstBe.get(name) : undefined;
        const prev = fePrev ?? bePrev;
        // Duplicates are named by capability: a listen section is a 'proxy' here.
        const capName = kw === 'listen' ? 'proxy' : kw;
        if (prev) diags.alert(`Parsing [${where.file}:${where.line}]: ${capName} '${name}' has the same name as ${prev.kind} '${name}' declared at ${prev.where.file}:${prev.where.line}.`, where);
        if (draft.cfg.isFrontend && !fePrev) firstFe.set(name, { kind: capName, where });
        if (draft.cfg.isBackend && !bePrev) firstBe.set(name, { kind: capName, where });
        drafts.push(draft);
        section = { kind: 'proxy', draft };
        continue;
      }

      switch (section.kind) {
        case 'none':
          diags.alert(`${atTight(where)}unknown keyword '${kw}' out of section.`, where);
          break;
        case 'skipped':
          break;
        case 'invalid':
          diags.alert(`${at(where)}'listen' or 'defaults' expected.`, where);
          break;
        case 'global': {
          if (kw === 'stats' && ['socket', 'timeout', 'maxconn'].includes(words[1] ?? '')) cliProxyPosition ??= drafts.length;
          if (!parseGlobalKeyword(words, where, global, env, diags, opts.resolveHost)) {
            if (NOT_IMPLEMENTED_GLOBAL_KEYWORDS.has(kw) || kw.startsWith('tune.')) diags.warning(`${at(where)}${notImplementedMessage(kw)}`, where);
            else diags.alert(`${at(where)}unknown keyword '${kw}' in 'global' section${suggestion(kw, [...GLOBAL_KEYWORDS, ...NOT_IMPLEMENTED_GLOBAL_KEYWORDS])}`, where);
          }
          break;
        }
        case 'userlist':
          parseUserlistKeyword(words, where, section.list, diags);
          break;
        case 'proxy':
          parseProxyKeyword(words, where, section.draft, { diags, global, readPatternFile: opts.readPatternFile, userlists, resolveHost: opts.resolveHost });
          break;
      }
    }
    const last = lines[lines.length - 1];
    if (last !== '' && blocks.active) {
      const where = { file: src.file, line: lines.length };
      diags.alert(`${atTight(where)}Missing LF on last line, file might have been truncated at position ${last.length + 1}.`, where);
    }
    if (blocks.open) diags.alert(`${atTight({ file: src.file, line: lines.length })}missing '.endif' at end of file.`, { file: src.file, line: lines.length });
  }
  const hasListener = drafts.some((d) => d.cfg.isFrontend && d.cfg.binds.length > 0) || global.statsSockets.length > 0;

  if (diags.filesWithErrors.length > 0) {
    for (const f of diags.filesWithErrors) diags.alert(`Error(s) found in configuration file : ${f}`);
    return { diagnostics: diags, hasListener };
  }
  if (programSection && !global.masterWorker) diags.alert("Can't use a 'program' section without master worker mode.");
  const config = validateConfig(drafts, defaultsDrafts, global, userlists, sources.map((s) => s.file), diags, opts.resolveHost, cliProxyPosition);
  return { config: diags.alertCount > 0 ? undefined : config, diagnostics: diags, hasListener };
}

/** HAProxy's limits on who may inherit from a defaults section with TCP/HTTP rules; records the use. */
function inheritanceError(kw: string, from: ProxyDraft): string | undefined {
  const at = `(defaults section at ${from.cfg.where.file}:${from.cfg.where.line})`;
  if (kw === 'defaults') return `a defaults section cannot inherit from a defaults section defining TCP/HTTP rules ${at}.`;
  if (kw === 'listen') return `a listen section cannot inherit from a defaults section defining TCP/HTTP rules.`;
  const used = (from.inheritedBy ??= { frontend: false, backend: false });
  const isFe = kw === 'frontend';
  used[isFe ? 'frontend' : 'backend'] = true;
  if (used.frontend && used.backend) return `frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules ${at}.`;
  if (!isFe && from.ruleKinds.has('tcp-request-session')) return `a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules ${at}.`;
  if (isFe && from.ruleKinds.has('tcp-response')) return `a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules ${at}.`;
  return undefined;
}

/** `.if` / `.elif` / `.else` / `.endif` nesting and the `.diag|.notice|.warning|.alert` messages. */
class CondBlocks {
  private stack: { active: boolean; taken: boolean; parentActive: boolean }[] = [];

  get active(): boolean {
    return this.stack.length === 0 || this.stack[this.stack.length - 1].active;
  }

  get open(): boolean {
    return this.stack.length > 0;
  }

  directive(words: string[], where: SourceRef, env: NodeJS.ProcessEnv, diags: Diagnostics): void {
    const kw = words[0];
    const top = this.stack[this.stack.length - 1];
    const evaluate = (): boolean => {
      const r = evalCondExpr(words.slice(1).join(' '), env);
      if (!r.ok) {
        diags.alert(`${atTight(where)}failed to parse condition: ${r.error}.`, where);
        return false;
      }
      return r.value;
    };
    switch (kw) {
      case '.if': {
        const parentActive = this.active;
        const v = parentActive && evaluate();
        this.stack.push({ active: v, taken: v, parentActive });
        return;
      }
      case '.elif':
      case '.else':
        if (!top) {
          diags.alert(`${atTight(where)}'${kw}' without '.if'.`, where);
          return;
        }
        if (top.taken || !top.parentActive) top.active = false;
        else {
          top.active = kw === '.else' ? true : evaluate();
          top.taken = top.active;
        }
        return;
      case '.endif':
        if (!top) diags.alert(`${atTight(where)}'.endif' without '.if'.`, where);
        else this.stack.pop();
        return;
    }
    if (!this.active) return;
    if (words.length > 2 && ['.alert', '.warning', '.notice', '.diag'].includes(kw)) {
      diags.alert(`${atTight(where)}Unexpected argument '${words[2]}' for '${kw}'. Use quotes if the message should contain spaces.`, where);
      return;
    }
    const text = words[1] ?? '';
    if (kw === '.alert') diags.alert(`${atTight(where)}${text}`, where);
    else if (kw === '.warning') diags.warning(`${atTight(where)}${text}`, where);
    else if (kw === '.notice' || kw === '.diag') diags.list.push({ severity: 'notice', message: `${atTight(where)}${text}`, where });
    else diags.alert(`${atTight(where)}unknown directive '${kw}'.`, where);
  }
}

function parseUserlistKeyword(words: string[], where: SourceRef, list: Userlist, diags: Diagnostics): void {
  const kw = words[0];
  if (kw === 'group') {
    const name = words[1];
    if (!name) {
      diags.alert(`${atTight(where)}'group' expects <name> as arguments.`, where);
      return;
    }
    const members = list.groups[name] ?? [];
    list.groups[name] = members;
    for (let i = 2; i < words.length; i++) {
      if (words[i] === 'users') members.push(...(words[++i] ?? '').split(',').filter((u) => u !== ''));
      else {
        diags.alert(`${atTight(where)}'group' only supports 'users' option.`, where);
        return;
      }
    }
    return;
  }
  if (kw === 'user') {
    const name = words[1];
    if (!name) {
      diags.alert(`${atTight(where)}'user' expects <name> as arguments.`, where);
      return;
    }
    if (list.users.some((u) => u.name === name)) {
      diags.warning(`${atTight(where)}ignoring duplicated user '${name}' in userlist '${list.name}'.`, where);
      return;
    }
    const user = { name, password: '', insecure: true, groups: [] as string[] };
    for (let i = 2; i < words.length; i++) {
      const opt = words[i];
      if (opt === 'password' || opt === 'insecure-password') {
        user.password = words[++i] ?? '';
        user.insecure = opt === 'insecure-password';
      } else if (opt === 'groups') user.groups.push(...(words[++i] ?? '').split(',').filter((g) => g !== ''));
      else {
        diags.alert(`${atTight(where)}'user' only supports 'password', 'insecure-password' and 'groups' options.`, where);
        return;
      }
    }
    list.users.push(user);
    return;
  }
  diags.alert(`${atTight(where)}unknown keyword '${kw}' in 'users' section`, where);
}

/** A shown line that carries a password (`stats auth`, a userlist `user`) has it starred, position for position. */
function maskSecret(line: string): string {
  const m = /^(\s*stats\s+auth\s+|\s*user\s.*?\b(?:insecure-)?password\s+)/.exec(line);
  return m ? m[1]! + line.slice(m[1]!.length).replace(/\S/g, '*') : line;
}
