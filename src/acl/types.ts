// ACL and condition shapes shared by the config parser and the evaluators.

import type { SourceRef } from '../config/model.js';

/** One criterion with its patterns, e.g. `src 10.0.0.0/8 127.0.0.1` or `hdr(host) -i example.com`. */
export interface AclCriterion {
  fetch: string; // 'src', 'path', 'path_beg', 'hdr', 'hdr_beg', 'method', 'http_auth', ...
  arg?: string; // the part inside parentheses, e.g. 'host' for hdr(host)
  flags: string[]; // '-i', '-m beg', ...
  patterns: string[];
}

export interface AclDefinition {
  name: string;
  criterion: AclCriterion;
  where: SourceRef;
}

export type AclTermRef =
  | { kind: 'named'; name: string } // user acl or predefined (TRUE, LOCALHOST, METH_GET...)
  | { kind: 'inline'; criterion: AclCriterion }; // { src 127.0.0.1 }

export interface AclTerm {
  negate: boolean;
  ref: AclTermRef;
}

/** `if|unless` + OR of AND-groups of terms. */
export interface Condition {
  unless: boolean;
  anyOf: AclTerm[][];
  where: SourceRef;
}

/** What a condition can look at. Fields are optional so TCP and admin contexts fill only what they have. */
export interface RequestFacts {
  src: string; // client IP as text (IPv4-mapped IPv6 already unwrapped)
  method?: string;
  /** URL path without the query string */
  path?: string;
  /** request target as received (path + query, or absolute form) */
  url?: string;
  httpVersion?: string; // '1.0' | '1.1'
  header?: (name: string) => string | undefined; // lower-case name
  authorization?: string;
  dst?: string; // local address the client connected to
  dstPort?: number;
  srcPort?: number;
}
