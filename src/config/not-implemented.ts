// The one list of keywords Switchyard accepts (so HAProxy configs keep loading) but does not
// act on yet. Each use emits a [WARNING]; remove an entry when its feature lands.

/** Proxy-section keywords (first word). */
export const NOT_IMPLEMENTED_PROXY_KEYWORDS: ReadonlySet<string> = new Set([
  'hash-type',
  'compression',
  'errorfile',
  'errorfiles',
  'http-error',
  'capture',
  'tcp-request',
  'tcp-response',
  'stick-table',
  'stick',
  'log-format',
  'unique-id-format',
  'unique-id-header',
  'rate-limit',
  'bind-process',
  'email-alert',
  'http-send-name-header',
  'server-template',
  'filter',
  'external-check',
  'persist',
  'force-persist',
  'ignore-persist',
  'redirect',
  'reqadd',
  'tcp-check',
  'http-after-response',
  'max-keep-alive-queue',
  'log-tag',
  'monitor',
  'grace',
  'declare',
  'use-server',
  'error-log-format',
]);

/** Whole sections HAProxy has that Switchyard skips (with one warning at the section line). */
export const NOT_IMPLEMENTED_SECTIONS: ReadonlySet<string> = new Set(['peers', 'resolvers', 'mailers', 'program', 'http-errors', 'ring', 'cache', 'fcgi-app']);

/** `option X` names. */
export const NOT_IMPLEMENTED_OPTIONS: ReadonlySet<string> = new Set([
  'abortonclose',
  'accept-invalid-http-request',
  'accept-invalid-http-response',
  'checkcache',
  'clitcpka',
  'contstats',
  'disable-h2-upgrade',
  'external-check',
  'h1-case-adjust-bogus-client',
  'h1-case-adjust-bogus-server',
  'http-buffer-request',
  'http-ignore-probes',
  'http-no-delay',
  'http-pretend-keepalive',
  'http-restrict-req-hdr-names',
  'http-use-proxy-header',
  'httpslog',
  'independent-streams',
  'ldap-check',
  'log-separate-errors',
  'logasap',
  'mysql-check',
  'nolinger',
  'originalto',
  'persist',
  'pgsql-check',
  'prefer-last-server',
  'redis-check',
  'smtpchk',
  'spop-check',
  'splice-auto',
  'splice-request',
  'splice-response',
  'srvtcpka',
  'ssl-hello-chk',
  'tcp-smart-accept',
  'tcp-smart-connect',
  'tcpka',
  'transparent',
  'idle-close-on-response',
]);

/** `http-request` / `http-response` actions HAProxy knows that Switchyard does not perform. */
export const NOT_IMPLEMENTED_HTTP_ACTIONS: ReadonlySet<string> = new Set([
  'wait-for-handshake', 'set-log-level', 'set-nice', 'sc-inc-gpc', 'sc-inc-gpc0', 'sc-inc-gpc1', 'sc-set-gpt', 'sc-set-gpt0',
  'send-spoe-group', 'do-resolve', 'cache-use', 'cache-store', 'add-acl', 'capture', 'del-acl', 'del-map', 'disable-l7-retry',
  'early-hint', 'normalize-uri', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value',
  'return', 'set-map', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc0',
  'track-sc1', 'track-sc2', 'set-timeout', 'wait-for-body', 'set-var-fmt', 'set-var', 'unset-var', 'set-dst', 'set-dst-port',
  'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset', 'set-status',
]);

/** Server line parameters accepted without effect. */
export const NOT_IMPLEMENTED_SERVER_PARAMS: ReadonlySet<string> = new Set([
  'send-proxy', 'send-proxy-v2', 'check-send-proxy', 'ssl', 'check-ssl', 'no-ssl', 'verify', 'sni', 'alpn', 'check-alpn',
  'proto', 'resolvers', 'resolve-prefer', 'init-addr', 'pool-max-conn', 'pool-purge-delay', 'tfo', 'namespace', 'source',
  'redir', 'ws', 'max-reuse', 'tcp-ut', 'ca-file', 'crt', 'minconn', 'observe', 'error-limit', 'on-error',
  'check-sni', 'no-check-ssl', 'fastopen', 'proxy-v2-options', 'stick', 'non-stick', 'socks4', 'check-via-socks4', 'pool-low-conn',
  'force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13', 'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12',
  'no-tlsv13', 'ssl-min-ver', 'ssl-max-ver', 'crl-file', 'ciphers', 'ciphersuites', 'no-ssl-reuse', 'ssl-reuse', 'tls-tickets',
  'no-tls-tickets', 'npn', 'curves', 'sigalgs', 'client-sigalgs', 'allow-0rtt', 'verifyhost', 'no-verifyhost', 'check-proto',
  'send-proxy-v2-ssl', 'send-proxy-v2-ssl-cn', 'no-send-proxy', 'no-send-proxy-v2', 'shard', 'log-proto', 'no-verify', 'usesrc',
  'max-session-srv-conns', 'no-tfo', 'check-pool-conn-name', 'pool-conn-name',
]);

/** Global keywords accepted without effect (besides every `tune.*` not otherwise handled). */
export const NOT_IMPLEMENTED_GLOBAL_KEYWORDS: ReadonlySet<string> = new Set([
  'chroot', 'user', 'group', 'uid', 'gid', 'ulimit-n', 'ca-base', 'crt-base', 'spread-checks', 'maxconnrate', 'maxsessrate',
  'ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites', 'ssl-default-bind-options', 'ssl-default-server-ciphers',
  'ssl-default-server-ciphersuites', 'ssl-default-server-options', 'ssl-dh-param-file', 'ssl-server-verify', 'lua-load',
  'h1-case-adjust', 'insecure-fork-wanted', 'expose-experimental-directives', 'localpeer', 'log-send-hostname', 'log-tag',
  'cpu-map', 'nbproc', 'unix-bind', 'busy-polling', 'noepoll', 'nopoll', 'nosplice', 'ssl-engine', 'set-dumpable',
  'numa-cpu-mapping', 'profiling.tasks', 'profiling.memory', 'max-spread-checks', 'quiet', 'external-check', 'strict-limits',
  'lua-load-per-thread', 'lua-prepend-path', 'set-var', 'set-var-fmt', 'ssl-load-extra-files', 'ssl-load-extra-del-ext', 'ssl-mode-async',
  'ssl-skip-self-issued-ca', 'issuers-chain-path', 'stats-file', 'hard-stop-after-grace', 'grace', 'pp2-never-send-local',
  'httpclient.resolvers.disabled', 'httpclient.ssl.verify', 'httpclient.ssl.ca-file', 'setcap', 'cluster-secret', 'anonkey',
  'log-send-hostname', 'mworker-max-reloads', 'nbproc', 'node-name', 'thread-groups', 'thread-group', 'no-memory-trimming',
  'maxcomprate', 'maxcompcpuusage', 'maxpipes', 'maxsslconn', 'maxsslrate', 'maxzlibmem', 'noevports', 'nokqueue', 'nogetaddrinfo',
  'noreuseport', 'wurfl-data-file', 'deviceatlas-json-file', '51degrees-data-file', 'description-file', 'default-path',
  'ssl-default-bind-curves', 'ssl-default-server-curves', 'ssl-default-bind-sigalgs', 'ssl-default-server-sigalgs',
  'ssl-propquery', 'ssl-provider', 'ssl-provider-path', 'ocsp-update.mode',
]);

export const notImplementedMessage = (what: string): string => `'${what}' is parsed but not implemented by Switchyard yet; it has no effect.`;

/** Sample fetches HAProxy has that conditions may name; Switchyard lets them parse and never match. */
export const NOT_IMPLEMENTED_FETCH =
  /^(internal\.[a-z._]+|sc\d?_[a-z0-9_]+|src_[a-z0-9_]+|ssl_[a-z0-9_]+|req\.[a-z0-9_.]+|res\.[a-z0-9_.]+|req_[a-z_]+|res_[a-z_]+|capture\.[a-z.]+|var|be_[a-z_]+|fe_[a-z_]+|srv_[a-z_]+|nbsrv|connslots|queue|avg_queue|table_[a-z_]+|stopping|env|int|str|bool|base|base32|base32\+src|cook|cook_[a-z]+|scook|shdr|shdr_[a-z]+|status|http_first_req|urlp|urlp_[a-z]+|url_param|query|hdr_cnt|hdr_ip|hdr_val|hdr_len|hdr_dom|path_len|path_dom|url_ip|url_port|url_dom|url_len|rdp_cookie|rdp_cookie_cnt|payload|payload_lv|wait_end|so_id|so_name|dst_conn|dst_is_local|src_is_local|fc_[a-z_]+|bc_[a-z_]+|rand|date|uuid|hostname|nbproc|thread|proc|lat_ns_[a-z]+|cpu_[a-z_]+|req_ssl_[a-z_]+|quic_enabled|unique-id|fhdr|fhdr_cnt|req_len|req_ver|res_ver|capture_req_hdr|capture_res_hdr|pathq|query|last_rule_file|last_rule_line|ms_since|ms_date)$/;
