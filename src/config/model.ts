// The typed configuration model: what the parser produces and the runtime consumes.
// Defaults are applied by the parser, so consumers never re-derive them.
// All times are in milliseconds unless the field name says otherwise.

import type { Condition, AclDefinition } from '../acl/types.js';

export interface SourceRef {
  file: string;
  line: number;
}

export type Mode = 'http' | 'tcp';

export type Address =
  | { kind: 'inet'; host: string; port: number; family: 4 | 6 } // host '' / '0.0.0.0' / '::' = any
  | { kind: 'unix'; path: string }
  | { kind: 'fd'; fd: number };

export interface Bind {
  address: Address;
  /** Host name as written, when the address was a name rather than an IP. */
  hostname?: string;
  /** Raw bind parameters we accept but do not interpret (name, accept-proxy, ...). */
  params: Record<string, string | true>;
  where: SourceRef;
}

export interface Timeouts {
  connect?: number;
  client?: number;
  server?: number;
  check?: number;
  queue?: number;
  httpRequest?: number;
  httpKeepAlive?: number;
  tunnel?: number;
  clientFin?: number;
  serverFin?: number;
}

export type BalanceAlgorithm =
  | 'roundrobin'
  | 'static-rr'
  | 'leastconn'
  | 'first'
  | 'source'
  | 'uri'
  | 'url_param'
  | 'hdr'
  | 'random'
  | 'rdp-cookie';

export interface Balance {
  algorithm: BalanceAlgorithm;
  /** Header name for hdr(name), parameter for url_param, cookie for rdp-cookie. */
  arg?: string;
}

export interface ServerConfig {
  name: string;
  /** sid: 1..n in config order unless forced with `id`. */
  id: number;
  address: Address;
  check: boolean;
  inter: number;
  fastinter: number;
  downinter: number;
  rise: number;
  fall: number;
  weight: number;
  maxconn: number; // 0 = unlimited
  maxqueue: number; // 0 = unlimited
  backup: boolean;
  disabled: boolean;
  slowstart: number;
  checkPort?: number;
  checkAddr?: string;
  agentCheck: boolean;
  agentPort?: number;
  agentAddr?: string;
  agentInter: number;
  /** `agent-send`: text written to the agent once connected. */
  agentSend?: string;
  onMarkedDownShutdownSessions: boolean;
  onMarkedUpShutdownBackupSessions: boolean;
  track?: { backend: string; server: string };
  cookie?: string;
  /** Host name as written, when the address was resolved from a name. */
  hostname?: string;
  where: SourceRef;
}

export interface HttpCheckConfig {
  method: string; // default OPTIONS
  uri: string; // default /
  version: string; // default HTTP/1.0
  headers: [string, string][];
  body?: string;
  expect?: HttpCheckExpect;
  disableOn404: boolean;
  /** Inherited from a defaults section: the proxy's first own `http-check` rule starts afresh. */
  fromDefaults?: boolean;
}

export interface HttpCheckExpect {
  negate: boolean;
  kind: 'status' | 'rstatus' | 'string' | 'rstring';
  value: string;
}

export type HeaderRuleAction =
  | { action: 'set-header' | 'add-header'; name: string; value: string }
  | { action: 'del-header'; name: string }
  | { action: 'allow' }
  | { action: 'deny'; status: number }
  | { action: 'auth'; realm?: string }
  | { action: 'redirect'; type: 'location' | 'prefix' | 'scheme'; target: string; code: number }
  | { action: 'use-service'; service: string };

export interface HttpRule {
  rule: HeaderRuleAction;
  cond?: Condition;
  where: SourceRef;
}

export interface UseBackendRule {
  backend: string;
  cond: Condition;
  where: SourceRef;
}

export interface StatsUser {
  user: string;
  password: string;
}

export interface StatsConfig {
  enabled: boolean;
  uri: string; // default /haproxy?stats
  realm: string; // default "HAProxy Statistics"
  auth: StatsUser[];
  refreshSeconds: number; // 0 = none
  admin: Condition[]; // first true grants
  hideVersion: boolean;
  showLegends: boolean;
  showNode?: string; // set (maybe to global node) when `stats show-node`
  showDesc?: string;
  showModules: boolean;
  scope: string[]; // proxy names; '.' already replaced by own name
  httpRequest: HttpRule[];
}

export interface LogTarget {
  /** 'stdout' | 'stderr' | udp address */
  target: { kind: 'stdout' } | { kind: 'stderr' } | { kind: 'udp'; host: string; port: number } | { kind: 'unix'; path: string };
  facility: string;
  level?: string;
  where: SourceRef;
}

export interface ProxyOptions {
  httpchk?: HttpCheckConfig;
  tcpCheck: boolean;
  redispatch: boolean;
  allbackups: boolean;
  httplog: boolean;
  tcplog: boolean;
  dontlognull: boolean;
  forwardfor?: { header: string; except?: string; ifNone: boolean };
  httpServerClose: boolean;
  httpClose: boolean;
  httpKeepAlive: boolean;
  logHealthChecks: boolean;
  socketStats: boolean;
}

export interface ProxyConfig {
  /** Section keyword the proxy came from. */
  section: 'frontend' | 'backend' | 'listen';
  name: string;
  /** iid: 1.. in config order (HAProxy reserves low ids for internal proxies; see stats-csv.md). */
  id: number;
  where: SourceRef;
  /** Frontend capability: accepts clients (frontend, listen). */
  isFrontend: boolean;
  /** Backend capability: holds servers (backend, listen). */
  isBackend: boolean;
  mode: Mode;
  binds: Bind[];
  maxconn: number; // frontend slim
  backlog?: number;
  fullconn: number; // backend slim
  timeouts: Timeouts;
  retries: number; // default 3
  defaultBackend?: string;
  useBackends: UseBackendRule[];
  balance: Balance;
  servers: ServerConfig[];
  options: ProxyOptions;
  acls: Record<string, AclDefinition[]>; // same name on several lines = OR
  httpRequest: HttpRule[];
  httpResponse: HttpRule[];
  httpReuse: 'never' | 'safe' | 'aggressive' | 'always';
  stats?: StatsConfig;
  description?: string;
  disabled: boolean;
  monitorUri?: string;
  dispatch?: Address;
  logs: LogTarget[];
  cookie?: { name: string; mode: 'insert' | 'rewrite' | 'prefix'; indirect: boolean; nocache: boolean };
  loadServerStateFromFile?: 'global' | 'local' | 'none';
  serverStateFileName?: string;
}

export interface StatsSocketConfig {
  address: Address;
  mode?: number; // file mode for unix sockets
  level: 'user' | 'operator' | 'admin';
  exposeFdListeners: boolean;
  where: SourceRef;
}

export interface GlobalConfig {
  maxconn: number;
  nbthread?: number;
  statsSockets: StatsSocketConfig[];
  statsTimeout: number; // default 10 s
  statsMaxconn: number; // default 10
  node: string; // default hostname
  description?: string;
  daemon: boolean;
  pidfile?: string;
  masterWorker: boolean;
  logs: LogTarget[];
  zeroWarning: boolean;
  serverStateFile?: string;
  serverStateBase?: string;
  hardStopAfter?: number;
  fleet?: { endpoints: string[]; prefix: string };
  tune: { bufsize: number; maxrewrite: number; httpMaxhdr: number };
}

export interface UserlistUser {
  name: string;
  password: string;
  /** true for `insecure-password`; false means `password` holds a crypt(3) hash. */
  insecure: boolean;
  groups: string[];
}

export interface Userlist {
  name: string;
  users: UserlistUser[];
  groups: Record<string, string[]>;
}

export interface Config {
  files: string[];
  global: GlobalConfig;
  /** frontends, backends and listens in config order. */
  proxies: ProxyConfig[];
  userlists: Record<string, Userlist>;
}

export type Severity = 'alert' | 'warning' | 'notice';

export interface Diagnostic {
  severity: Severity;
  /** Exact text after `config : `, HAProxy's wording (including its `parsing [f:l] :` prefix). */
  message: string;
  where?: SourceRef;
}
