// Address forms HAProxy accepts: `*:80`, `:80`, `1.2.3.4:80`, `[::1]:80`, `::1:80`,
// `ipv4@`/`ipv6@`/`unix@`/`fd@` prefixes, `/path` (unix), port ranges for bind only.
import { isIP } from 'node:net';
import type { Address } from './model.js';

export type AddressUse = 'bind' | 'server' | 'socket' | 'log';

export type ParsedAddress =
  | { ok: true; address: Address; portEnd?: number; /** a host name still to resolve */ hostname?: string }
  | { ok: false; error: string };

export function parseAddress(text: string, use: AddressUse): ParsedAddress {
  let rest = text;
  let forced: 4 | 6 | undefined;
  const at = /^([a-z0-9]+)@/.exec(rest);
  if (at) {
    const prefix = at[1];
    rest = rest.slice(at[0].length);
    if (prefix === 'unix' || prefix === 'abns') return { ok: true, address: { kind: 'unix', path: prefix === 'abns' ? `\0${rest}` : rest } };
    if (prefix === 'fd') {
      if (!/^\d+$/.test(rest)) return { ok: false, error: `invalid file descriptor '${rest}' in '${text}'` };
      return { ok: true, address: { kind: 'fd', fd: Number(rest) } };
    }
    if (prefix === 'ipv4' || prefix === 'udp4' || prefix === 'tcp4') forced = 4;
    else if (prefix === 'ipv6' || prefix === 'udp6' || prefix === 'tcp6') forced = 6;
    else if (prefix !== 'udp' && prefix !== 'tcp') return { ok: false, error: `unknown address family '${prefix}' in '${text}'` };
  } else if (rest.startsWith('/')) {
    return { ok: true, address: { kind: 'unix', path: rest } };
  }

  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { ok: false, error: `invalid address: '${rest}' in '${text}'` };
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after.startsWith(':')) portText = after.slice(1);
    else if (after !== '') return { ok: false, error: `invalid address: '${rest}' in '${text}'` };
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon < 0) host = rest;
    else {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
  }

  let port = 0;
  let portEnd: number | undefined;
  if (portText === undefined || portText === '') {
    if (use === 'bind' || use === 'socket') return { ok: false, error: `missing port specification in '${text}'` };
  } else if (/^[+-]/.test(portText)) {
    if (use !== 'server') return { ok: false, error: `port offset not permitted here in '${text}'` };
    const bad = /[^0-9]/.exec(portText.slice(1));
    if (bad) return { ok: false, error: `invalid character '${bad[0]}' in port number '${portText}' in '${text}'` };
  } else {
    const range = /^(\d+)-(\d+)$/.exec(portText);
    if (range) {
      if (use !== 'bind') return { ok: false, error: `port range not permitted here in '${text}'` };
      port = Number(range[1]);
      portEnd = Number(range[2]);
      if (port < 1 || port > 65535) return { ok: false, error: `invalid port '${range[1]}'` };
      if (portEnd < port || portEnd > 65535) return { ok: false, error: `invalid port '${range[2]}'` };
    } else {
      const bad = /[^0-9]/.exec(portText);
      if (bad) return { ok: false, error: `invalid character '${bad[0]}' in port number '${portText}' in '${text}'` };
      port = Number(portText);
      if (port > 65535 || (port === 0 && use !== 'server')) return { ok: false, error: `invalid port '${portText}'` };
    }
  }

  if (host === '' || host === '*') {
    const any = forced === 6 ? '::' : '0.0.0.0';
    return { ok: true, address: { kind: 'inet', host: any, port, family: forced ?? 4 }, portEnd };
  }
  const family = isIP(host);
  if (family === 4 || family === 6) {
    if (forced && forced !== family) return { ok: false, error: `invalid address: '${host}' in '${text}'` };
    return { ok: true, address: { kind: 'inet', host, port, family }, portEnd };
  }
  return { ok: true, address: { kind: 'inet', host, port, family: forced ?? 4 }, portEnd, hostname: host };
}
