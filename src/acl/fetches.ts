// What conditions can refer to: HAProxy's predefined ACL names and the fetches Switchyard evaluates.
import { parseNetwork } from './cidr.js';

export const PREDEFINED_ACLS: ReadonlySet<string> = new Set([
  'TRUE', 'FALSE', 'LOCALHOST', 'HTTP', 'HTTP_1.0', 'HTTP_1.1', 'HTTP_2.0',
  'METH_CONNECT', 'METH_DELETE', 'METH_GET', 'METH_HEAD', 'METH_OPTIONS', 'METH_POST', 'METH_PUT', 'METH_TRACE',
  'HTTP_URL_ABS', 'HTTP_URL_SLASH', 'HTTP_URL_STAR', 'HTTP_CONTENT', 'REQ_CONTENT', 'RDP_COOKIE', 'WAIT_END',
]);

/** Fetches with their default match method (HAProxy's `-m` implied by the keyword). */
export const FETCHES: Readonly<Record<string, 'ip' | 'str' | 'beg' | 'end' | 'sub' | 'reg' | 'dir' | 'auth' | 'group' | 'int' | 'bool'>> = {
  src: 'ip',
  dst: 'ip',
  path: 'str',
  path_beg: 'beg',
  path_end: 'end',
  path_sub: 'sub',
  path_reg: 'reg',
  path_dir: 'dir',
  url: 'str',
  url_beg: 'beg',
  url_end: 'end',
  url_sub: 'sub',
  url_reg: 'reg',
  hdr: 'str',
  'req.hdr': 'str',
  hdr_beg: 'beg',
  hdr_end: 'end',
  hdr_sub: 'sub',
  hdr_reg: 'reg',
  hdr_dir: 'dir',
  method: 'str',
  http_auth: 'auth',
  http_auth_group: 'group',
  dst_port: 'int',
  src_port: 'int',
  always_true: 'bool',
  always_false: 'bool',
};

export function isKnownFetch(name: string): boolean {
  return Object.hasOwn(FETCHES, name);
}

/** HAProxy's complaint about a pattern, or undefined when it is acceptable. */
export function validatePattern(fetch: string, pattern: string): string | undefined {
  const kind = FETCHES[fetch];
  if (kind === 'ip' && !parseNetwork(pattern)) return `'${pattern}' is not a valid IPv4 or IPv6 address.`;
  if (kind === 'int' && !/^(\d*:\d*|\d+|eq|ge|gt|le|lt)$/.test(pattern)) return `'${pattern}' is not a number.`;
  if (kind === 'reg') {
    try {
      new RegExp(pattern);
    } catch {
      return `regex '${pattern}' is invalid.`;
    }
  }
  return undefined;
}
