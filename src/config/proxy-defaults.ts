// Fresh proxies and what a proxy inherits from the last `defaults` section.
import type { ProxyConfig, StatsConfig } from './model.js';

export function emptyProxy(section: ProxyConfig['section'], name: string, where: ProxyConfig['where']): ProxyConfig {
  return {
    section,
    name,
    id: 0,
    where,
    isFrontend: section !== 'backend',
    isBackend: section !== 'frontend',
    mode: 'tcp',
    binds: [],
    maxconn: 0,
    fullconn: 0,
    timeouts: {},
    retries: 3,
    useBackends: [],
    balance: { algorithm: 'roundrobin' },
    servers: [],
    options: {
      tcpCheck: false,
      redispatch: false,
      allbackups: false,
      httplog: false,
      tcplog: false,
      dontlognull: false,
      httpServerClose: false,
      httpClose: false,
      httpKeepAlive: false,
      logHealthChecks: false,
      socketStats: false,
    },
    acls: {},
    httpRequest: [],
    httpResponse: [],
    httpReuse: 'safe',
    disabled: false,
    logs: [],
  };
}

export function defaultStats(): StatsConfig {
  return {
    enabled: true,
    uri: '/haproxy?stats',
    realm: 'HAProxy Statistics',
    auth: [],
    refreshSeconds: 0,
    admin: [],
    hideVersion: false,
    showLegends: false,
    showModules: false,
    scope: [],
    httpRequest: [],
  };
}

/** A new proxy that starts from the settings of a defaults section (HAProxy copies them). */
export function inheritDefaults(section: ProxyConfig['section'], name: string, where: ProxyConfig['where'], defaults: ProxyConfig | undefined): ProxyConfig {
  const p = emptyProxy(section, name, where);
  if (!defaults) return p;
  p.mode = defaults.mode;
  p.maxconn = defaults.maxconn;
  p.backlog = defaults.backlog;
  p.fullconn = defaults.fullconn;
  p.timeouts = { ...defaults.timeouts };
  p.retries = defaults.retries;
  if (p.isFrontend) p.defaultBackend = defaults.defaultBackend;
  if (p.isBackend) p.balance = { ...defaults.balance };
  p.options = structuredClone(defaults.options);
  if (p.options.httpchk) p.options.httpchk.fromDefaults = true;
  p.httpReuse = defaults.httpReuse;
  p.stats = defaults.stats ? structuredClone(defaults.stats) : undefined;
  p.logs = structuredClone(defaults.logs);
  p.cookie = defaults.cookie ? { ...defaults.cookie } : undefined;
  p.monitorUri = defaults.monitorUri;
  p.disabled = defaults.disabled;
  // Rules and acls of a named defaults section run before the proxy's own.
  p.acls = structuredClone(defaults.acls);
  p.httpRequest = structuredClone(defaults.httpRequest);
  p.httpResponse = structuredClone(defaults.httpResponse);
  if (p.isBackend) p.loadServerStateFromFile = defaults.loadServerStateFromFile;
  return p;
}
