// After parsing: cross-references, numbering and inherited values, in HAProxy's
// post-parse order (only reached when parsing found no error).
import { atBare, at, type Diagnostics } from './diagnostics.js';
import type { AclCriterion, Condition } from '../acl/types.js';
import type { Config, GlobalConfig, ProxyConfig, SourceRef, Userlist } from './model.js';
import type { ProxyDraft } from './draft.js';

/**
 * HAProxy 2.6's numbering, as observed: in declaration order, an automatic id is the first
 * id at or after a running counter not taken by what came before, and a forced id still
 * advances the counter.
 */
function assignIds<T>(items: T[], forced: (t: T) => number | undefined, set: (t: T, id: number) => void): void {
  const used = new Set<number>();
  let next = 1;
  for (const it of items) {
    const f = forced(it);
    if (f !== undefined) {
      set(it, f);
      used.add(f);
      next++;
      continue;
    }
    while (used.has(next)) next++;
    set(it, next);
    used.add(next);
    next++;
  }
}

const typeOf = (p: ProxyConfig): string => p.section;

export function validateConfig(
  drafts: ProxyDraft[],
  defaultsDrafts: ProxyDraft[],
  global: GlobalConfig,
  userlists: Record<string, Userlist>,
  files: string[],
  diags: Diagnostics,
  resolveHost: (host: string, family: 4 | 6) => string | undefined,
  /** number of proxies declared before the first global `stats socket|timeout|maxconn` */
  cliProxyPosition?: number,
): Config {
  const proxies = drafts.map((d) => d.cfg);
  // The stats socket's internal proxy takes an id where the global CLI was first declared.
  const numbered: (ProxyDraft | undefined)[] = [...drafts];
  if (cliProxyPosition !== undefined) numbered.splice(cliProxyPosition, 0, undefined);
  assignIds(numbered, (d) => d?.forcedId, (d, id) => d && (d.cfg.id = id));
  const backends = new Map<string, ProxyConfig>();
  for (const p of proxies) if (p.isBackend && !backends.has(p.name)) backends.set(p.name, p);

  for (const d of drafts) {
    const p = d.cfg;
    assignIds(p.servers, (s) => d.forcedServerIds?.get(s.name), (s, id) => (s.id = id));
    if (p.isFrontend && !d.maxconnSet) p.maxconn = global.maxconn;
    if (d.logGlobal) p.logs = [...global.logs, ...p.logs];
    if (p.stats) {
      if (p.stats.showNode === '') p.stats.showNode = global.node;
      if (p.stats.showDesc === '') p.stats.showDesc = global.description ?? '';
    }
  }

  if (!checkUserlists(userlists, diags)) return { files, global, proxies, userlists };

  const tables = new Set(drafts.filter((d) => d.hasStickTable).map((d) => d.cfg.name));
  for (const d of defaultsDrafts) checkRuleReferences(d, tables, backends, userlists, diags);

  for (const d of drafts) {
    const p = d.cfg;
    if (p.disabled) continue;
    if (p.isFrontend && p.binds.length === 0) {
      diags.warning(`${p.section === 'listen' ? 'proxy' : p.section} '${p.name}' has no 'bind' directive. Please declare it as a backend if this was intended.`);
    }
    // Checked on every proxy: HAProxy keeps these lines even where they have no effect.
    const refs: [string, string][] = [];
    if (p.defaultBackend !== undefined) refs.push(['default_backend', p.defaultBackend]);
    for (const u of p.useBackends) if (!u.backend.includes('%[')) refs.push(['use_backend', u.backend]);
    for (const [what, name] of refs) {
      const be = backends.get(name);
      if (!be) {
        diags.alert(`Proxy '${p.name}': unable to find required ${what}: '${name}'.`);
        continue;
      }
      if (be === p && what === 'default_backend') {
        diags.alert(`Proxy '${p.name}': loop detected for default_backend: '${name}'.`);
        continue;
      }
      // A tcp frontend may hand over to an http backend (upgrade); not the other way round.
      if (p.isFrontend && p.mode === 'http' && be.mode === 'tcp' && what === 'default_backend') {
        diags.alert(`${p.mode} ${typeOf(p)} '${p.name}' (${p.where.file}:${p.where.line}) tries to use incompatible ${be.mode} ${typeOf(be)} '${be.name}' (${be.where.file}:${be.where.line}) as its default backend (see 'mode').`);
      }
    }
    checkRuleReferences(d, tables, backends, userlists, diags);
    for (const dup of d.duplicateServers ?? []) {
      diags.alert(`${at(dup.where)}${typeOf(p)} '${p.name}', another server named '${dup.name}' was already defined at line ${dup.prevLine}, please use distinct names.`);
    }
    for (const s of p.servers) {
      if (!s.track) continue;
      const label = `${atBare(s.where)}'server ${p.name}/${s.name}' : `;
      const bk = s.track.backend === '' ? p : backends.get(s.track.backend);
      if (!bk) {
        diags.alert(`${label}unable to find required proxy '${s.track.backend}' for tracking.`);
        continue;
      }
      if (s.track.backend === '') s.track.backend = p.name;
      const target = bk.servers.find((t) => t.name === s.track!.server);
      if (!target) diags.alert(`${label}unable to find required server '${s.track.server}' for tracking.`);
      else if (!target.check && !target.agentCheck && !target.track) diags.alert(`${label}unable to use ${bk.name}/${target.name} for tracking as it does not have any check nor agent enabled.`);
    }
    if (p.stats && !p.stats.enabled && (p.stats.admin.length > 0 || p.stats.httpRequest.length > 0)) {
      diags.warning(`${typeOf(p)} '${p.name}' has 'stats admin' or 'stats http-request' rules but no 'stats enable'; the statistics page stays off.`);
    }
    if ((p.options.httplog || p.options.tcplog) && p.isFrontend && p.logs.length === 0) {
      diags.warning(`log format ignored for ${typeOf(p)} '${p.name}' since it has no log address.`);
    }
    const t = p.timeouts;
    if ((p.isFrontend && !t.client) || (p.isBackend && (!t.connect || !t.server))) {
      diags.warning(
        `missing timeouts for ${typeOf(p)} '${p.name}'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.`,
      );
    }
    if (p.mode === 'tcp') {
      if (p.httpRequest.length > 0) diags.warning(`'http-request' rules ignored for ${typeOf(p)} '${p.name}' as they require HTTP mode.`);
      if (p.httpResponse.length > 0) diags.warning(`'http-response' rules ignored for ${typeOf(p)} '${p.name}' as they require HTTP mode.`);
    }
  }

  // Backend fullconn: about a tenth of the maxconn of the frontends that can reach it.
  for (const be of proxies) {
    if (!be.isBackend || be.fullconn > 0) continue;
    let total = 0;
    for (const fe of proxies) {
      if (!fe.isFrontend) continue;
      if (fe === be || fe.defaultBackend === be.name || fe.useBackends.some((u) => u.backend === be.name)) total += fe.maxconn;
    }
    be.fullconn = Math.max(1, Math.floor((total + 9) / 10));
  }

  if (diags.alertCount === 0) {
    let failed = false;
    for (const d of drafts) {
      for (const h of d.hostnames) {
        const srv = d.cfg.servers.find((s) => s.name === h.server);
        if (!srv || srv.address.kind !== 'inet') continue;
        const ip = resolveHost(h.host, srv.address.family);
        if (ip === undefined) {
          diags.alert(`${atBare(h.where)}'server ${d.cfg.name}/${h.server}' : could not resolve address '${h.host}'.`);
          failed = true;
        } else {
          srv.address = { ...srv.address, host: ip, family: ip.includes(':') ? 6 : 4 };
          srv.hostname = h.host;
        }
      }
    }
    if (failed) diags.alert('Failed to initialize server(s) addr.');
  }

  return { files, global, proxies, userlists };
}

/** Users name existing groups and groups existing users; HAProxy stops at the first bad userlist. */
function checkUserlists(userlists: Record<string, Userlist>, diags: Diagnostics): boolean {
  for (const ul of Object.values(userlists)) {
    const before = diags.alertCount;
    for (const u of ul.users) {
      for (const g of u.groups) if (!Object.hasOwn(ul.groups, g)) diags.alert(`userlist '${ul.name}': no such group '${g}' specified in user '${u.name}'`);
    }
    if (diags.alertCount > before) return false;
    for (const [g, members] of Object.entries(ul.groups)) {
      for (const m of members) if (!ul.users.some((u) => u.name === m)) diags.alert(`userlist '${ul.name}': no such user '${m}' specified in group '${g}'`);
    }
    if (diags.alertCount > before) return false;
  }
  return true;
}

/** Every criterion of a proxy's conditions, with the line it was written on. */
function criteriaOf(p: ProxyConfig): { criterion: AclCriterion; where: SourceRef }[] {
  const out: { criterion: AclCriterion; where: SourceRef }[] = [];
  for (const defs of Object.values(p.acls)) for (const def of defs) out.push({ criterion: def.criterion, where: def.where });
  const conds: (Condition | undefined)[] = [
    ...p.useBackends.map((u) => u.cond),
    ...p.httpRequest.map((r) => r.cond),
    ...p.httpResponse.map((r) => r.cond),
    ...(p.stats?.admin ?? []),
    ...(p.stats?.httpRequest.map((r) => r.cond) ?? []),
  ];
  for (const c of conds) for (const group of c?.anyOf ?? []) for (const t of group) if (t.ref.kind === 'inline') out.push({ criterion: t.ref.criterion, where: c!.where });
  return out;
}

/**
 * Names used by a proxy's rules: track-sc tables, then the arguments HAProxy resolves
 * after parsing (servers of srv_* fetches, userlists of http_auth), reported as one block.
 */
function checkRuleReferences(d: ProxyDraft, tables: Set<string>, backends: Map<string, ProxyConfig>, userlists: Record<string, Userlist>, diags: Diagnostics): void {
  for (const r of d.trackScRules) {
    const table = r.table ?? d.cfg.name;
    if (!tables.has(table) || (r.table === undefined && !d.hasStickTable)) diags.alert(`Proxy '${d.cfg.name}': unable to find table '${table}' referenced by ${r.counter}.`);
  }
  const errors: { where: SourceRef; text: string }[] = [];
  for (const u of d.serverFetches) {
    const at = `parsing [${u.where.file}:${u.where.line}]: `;
    const ref = `referenced in arg 1 of sample fetch keyword '${u.fetch}' in ${u.rule} expression in proxy '${d.cfg.name}'.`;
    const slash = u.arg.indexOf('/');
    if (slash < 0 && d.isDefaults) {
      errors.push({ where: u.where, text: `${at}backend name must be set in arg 1 of sample fetch keyword '${u.fetch}' in ${u.rule} expression in proxy '${d.cfg.name}'.` });
      continue;
    }
    const be = slash < 0 ? d.cfg : backends.get(u.arg.slice(0, slash));
    const srv = slash < 0 ? u.arg : u.arg.slice(slash + 1);
    if (!be) errors.push({ where: u.where, text: `${at}unable to find backend '${u.arg.slice(0, slash)}' ${ref}` });
    else if (!be.servers.some((s) => s.name === srv)) errors.push({ where: u.where, text: `${at}unable to find server '${srv}' in proxy '${be.name}', ${ref}` });
  }
  if (!d.isDefaults) {
    for (const { criterion, where } of criteriaOf(d.cfg)) {
      if ((criterion.fetch === 'http_auth' || criterion.fetch === 'http_auth_group') && !Object.hasOwn(userlists, criterion.arg ?? '')) {
        errors.push({ where, text: `parsing [${where.file}:${where.line}]: unable to find userlist '${criterion.arg ?? ''}' referenced in arg 1 of ACL keyword '${criterion.fetch}' in proxy '${d.cfg.name}'.` });
      }
    }
  }
  errors.sort((a, b) => (a.where.file === b.where.file ? a.where.line - b.where.line : 0));
  if (errors.length === 1) diags.alert(errors[0].text);
  else if (errors.length > 1) diags.alert(`multiple argument resolution errors:${errors.map((e) => `\n        ${e.text}`).join('')}`);
}
