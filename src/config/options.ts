// `option ...` and `http-check ...` lines.
import { at, atTight } from './diagnostics.js';
import type { HttpCheckConfig, ProxyConfig, SourceRef } from './model.js';
import { NOT_IMPLEMENTED_OPTIONS, notImplementedMessage } from './not-implemented.js';
import type { ProxyDraft, ProxyParseContext } from './draft.js';

type BooleanOption = { [K in keyof ProxyConfig['options']]: ProxyConfig['options'][K] extends boolean ? K : never }[keyof ProxyConfig['options']];

const OPTION_FLAGS: Record<string, BooleanOption> = {
  redispatch: 'redispatch',
  allbackups: 'allbackups',
  httplog: 'httplog',
  tcplog: 'tcplog',
  dontlognull: 'dontlognull',
  'http-server-close': 'httpServerClose',
  httpclose: 'httpClose',
  'http-keep-alive': 'httpKeepAlive',
  'log-health-checks': 'logHealthChecks',
  'socket-stats': 'socketStats',
  'tcp-check': 'tcpCheck',
};

export function parseOption(words: string[], negate: boolean, where: SourceRef, d: ProxyDraft, ctx: ProxyParseContext): void {
  const p = at(where);
  const name = words[0] ?? '';
  const o = d.cfg.options;
  const flag = OPTION_FLAGS[name] as BooleanOption | undefined;
  if (flag) {
    if (negate && (name === 'httplog' || name === 'tcplog')) {
      ctx.diags.alert(`${atTight(where)}negation/default is not supported for option '${name}'.`, where);
      return;
    }
    o[flag] = !negate;
    if (name === 'http-server-close' && !negate) o.httpKeepAlive = false;
    if (name === 'http-keep-alive' && !negate) o.httpServerClose = false;
    return;
  }
  if (name === 'httpchk') {
    if (negate) {
      o.httpchk = undefined;
      return;
    }
    // `option httpchk <uri>` or `<method> <uri> [<version>]`
    const args = words.slice(1);
    if (args.length > 3) {
      ctx.diags.alert(`${at(where)}'option httpchk' cannot handle unexpected argument '${args[3]}'.`, where);
      return;
    }
    // The defaults' check rules are replaced as a whole; the proxy's own expect rules stay.
    const own = o.httpchk?.fromDefaults ? undefined : o.httpchk;
    const chk = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] as [string, string][], disableOn404: o.httpchk?.disableOn404 ?? false, expect: own?.expect };
    if (args.length === 1) chk.uri = args[0];
    else if (args.length >= 2) {
      chk.method = args[0];
      chk.uri = args[1];
      if (args[2] !== undefined) {
        // Headers (and a body after an empty line) hidden after the version: the deprecated form.
        const [head, ...body] = args[2].split('\r\n\r\n');
        const [ver, ...hdrs] = head.split('\r\n');
        chk.version = ver;
        for (const h of hdrs) {
          const colon = h.indexOf(':');
          if (colon > 0) chk.headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
        }
        if (body.length > 0 && body.join('\r\n\r\n') !== '') (chk as HttpCheckConfig).body = body.join('\r\n\r\n');
        if (hdrs.length > 0 || body.length > 0) {
          ctx.diags.warning(`${atTight(where)}'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.`, where);
        }
      }
    }
    o.httpchk = chk;
    return;
  }
  if (name === 'forwardfor') {
    if (negate) {
      o.forwardfor = undefined;
      return;
    }
    const ff: { header: string; except?: string; ifNone: boolean } = { header: 'X-Forwarded-For', ifNone: false };
    for (let i = 1; i < words.length; i++) {
      const w = words[i];
      if (w === 'except' && words[i + 1]) ff.except = words[++i];
      else if (w === 'header' && words[i + 1]) ff.header = words[++i];
      else if (w === 'if-none') ff.ifNone = true;
      else {
        ctx.diags.alert(`${p}'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.`, where);
        return;
      }
    }
    o.forwardfor = ff;
    return;
  }
  if (NOT_IMPLEMENTED_OPTIONS.has(name)) {
    ctx.diags.warning(`${p}${notImplementedMessage(`option ${name}`)}`, where);
    return;
  }
  ctx.diags.alert(`${p}unknown option '${name}'.`, where);
}

const EXPECT_OPTIONS = new Set(['error-status', 'tout-status', 'ok-status', 'on-success', 'on-error', 'status-code', 'comment']);

export function parseHttpCheck(words: string[], where: SourceRef, d: ProxyDraft, ctx: ProxyParseContext): void {
  const p = at(where);
  const o = d.cfg.options;
  // A proxy's own http-check rules replace those of its defaults section (the option stays on).
  if (o.httpchk?.fromDefaults) o.httpchk = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [], disableOn404: o.httpchk.disableOn404 };
  const chk = (o.httpchk ??= { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [], disableOn404: false });
  const sub = words[1];
  if (sub === 'disable-on-404') {
    chk.disableOn404 = true;
    return;
  }
  if (sub === 'expect') {
    let i = 2;
    let negate = false;
    if (words[i] === '!') {
      negate = true;
      i++;
    }
    let kind = words[i] ?? '';
    if (kind.startsWith('!')) {
      negate = true;
      kind = kind.slice(1);
    }
    if (['min-recv', 'string-lf', 'hdr', 'fhdr', 'comment', 'status-lf'].includes(kind)) {
      ctx.diags.warning(`${p}${notImplementedMessage(`http-check expect ${kind}`)}`, where);
      return;
    }
    if (kind !== 'status' && kind !== 'rstatus' && kind !== 'string' && kind !== 'rstring') {
      ctx.diags.alert(`${p}'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got '${kind}' as argument..`, where);
      return;
    }
    const value = words[i + 1];
    if (value === undefined) {
      ctx.diags.alert(`${p}'http-check expect' : '${kind}' expects a <pattern> as argument.`, where);
      return;
    }
    const extra = words[i + 2];
    // Options that may follow the pattern (error-status, tout-status, comment...) are parsed but not used.
    if (extra !== undefined && !EXPECT_OPTIONS.has(extra)) {
      ctx.diags.alert(`${p}'http-check expect' : 'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got '${extra}' as argument..`, where);
      return;
    }
    chk.expect = { negate, kind, value };
    return;
  }
  if (sub === 'send') {
    // Headers given here replace those hidden in `option httpchk`'s version string.
    let ownHeaders = false;
    for (let i = 2; i < words.length; i++) {
      const k = words[i];
      const v = words[i + 1];
      if (k === 'meth' && v !== undefined) chk.method = v;
      else if (k === 'uri' && v !== undefined) chk.uri = v;
      else if (k === 'ver' && v !== undefined) chk.version = v;
      else if (k === 'body' && v !== undefined) chk.body = v;
      else if (k === 'hdr' && v !== undefined && words[i + 2] !== undefined) {
        if (!ownHeaders) chk.headers = [];
        ownHeaders = true;
        chk.headers.push([v, words[i + 2]]);
        i++;
      } else if (k === 'comment' && v !== undefined) {
        // comments only label the rule
      } else if ((k === 'uri-lf' || k === 'body-lf') && v !== undefined) {
        ctx.diags.warning(`${p}${notImplementedMessage(`http-check send ${k}`)}`, where);
      } else {
        ctx.diags.alert(`${p}'http-check send' : expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '${k}' as argument..`, where);
        return;
      }
      i++;
    }
    return;
  }
  if (sub === 'connect' || sub === 'comment' || sub === 'send-state' || /^(set-var|set-var-fmt|unset-var)(\(.*\))?$/.test(sub ?? '')) {
    ctx.diags.warning(`${p}${notImplementedMessage(`http-check ${sub}`)}`, where);
    return;
  }
  ctx.diags.alert(`${p}'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var' and 'unset-var' (got '${sub ?? ''}')`, where);
}
