// A Logger that sends access lines to each proxy's `log` targets and process events to the
// global ones, as RFC3164 syslog datagrams (like HAProxy's default format) or raw lines on
// stdout/stderr. Events still go to the base logger (stderr) too.

import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { Config, LogTarget } from '../config/model.js';
import type { LogLevel, Logger } from './logger.js';

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'auth2', 'ftp', 'ntp', 'audit', 'alert', 'cron2', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
const LEVELS: LogLevel[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `<PRI>Mmm dd hh:mm:ss haproxy[pid]: ` for `facility` and `level`. */
export function syslogHeader(facility: string, level: LogLevel, date: Date, pid = process.pid): string {
  const f = Math.max(FACILITIES.indexOf(facility), 0);
  const pri = f * 8 + LEVELS.indexOf(level);
  const day = String(date.getDate()).padStart(2, ' ');
  const t = [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `<${pri}>${MONTHS[date.getMonth()]} ${day} ${t} haproxy[${pid}]: `;
}

/** The header changes once a second: build it once per second per facility and level. */
class HeaderCache {
  private second = -1;
  private readonly byKey = new Map<string, string>();

  get(facility: string, level: LogLevel): string {
    const now = Date.now();
    const sec = Math.floor(now / 1000);
    if (sec !== this.second) {
      this.second = sec;
      this.byKey.clear();
    }
    const key = facility + level;
    let h = this.byKey.get(key);
    if (h === undefined) this.byKey.set(key, (h = syslogHeader(facility, level, new Date(now))));
    return h;
  }
}

const headers = new HeaderCache();

interface Sink {
  send(level: LogLevel, line: string): void;
}

/**
 * Datagrams to one syslog target. The socket is connected: an addressed send resolves the
 * address again (a deferred callback) for every line, a third of what a log line costs the
 * data plane. Until the connect completes, lines go out addressed on the shared socket.
 */
function udpSender(host: string, port: number, shared: () => dgram.Socket, opened: dgram.Socket[]): (data: string) => void {
  let sock: dgram.Socket | undefined;
  let connected = false;
  return (data) => {
    if (connected) return sock!.send(data);
    if (!sock) {
      sock = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
      // A target that is down answers with ICMP errors: they must not end the process.
      sock.on('error', () => {});
      sock.on('close', () => {
        sock = undefined;
        connected = false;
      });
      sock.unref();
      opened.push(sock);
      sock.connect(port, host, () => (connected = true));
    }
    shared().send(data, port, host);
  };
}

function sinkFor(t: LogTarget, udp: () => dgram.Socket, opened: dgram.Socket[]): Sink {
  const max = t.level && LEVELS.includes(t.level as LogLevel) ? LEVELS.indexOf(t.level as LogLevel) : LEVELS.length - 1;
  const target = t.target;
  if (target.kind === 'stdout' || target.kind === 'stderr') {
    const out = target.kind === 'stdout' ? process.stdout : process.stderr;
    return { send: (level, line) => LEVELS.indexOf(level) <= max && void out.write(line + '\n') };
  }
  if (target.kind === 'udp') {
    const send = udpSender(target.host, target.port, udp, opened);
    return {
      send(level, line) {
        if (LEVELS.indexOf(level) <= max) send(headers.get(t.facility, level) + line + '\n');
      },
    };
  }
  // node:dgram has no unix datagram sockets: `log /dev/log` targets are accepted but stay silent.
  return { send() {} };
}

export function createLogger(config: Config, base: Logger): Logger & { close(): void } {
  let sock: dgram.Socket | undefined;
  const connected: dgram.Socket[] = [];
  const udp = (): dgram.Socket => {
    if (!sock) {
      sock = dgram.createSocket('udp4');
      sock.on('error', () => {});
      sock.unref();
    }
    return sock;
  };
  const globalSinks = config.global.logs.map((t) => sinkFor(t, udp, connected));
  const proxySinks = new Map<string, Sink[]>();
  for (const p of config.proxies) if (p.logs.length > 0 && !proxySinks.has(p.name)) proxySinks.set(p.name, p.logs.map((t) => sinkFor(t, udp, connected)));
  return {
    event(level, message, proxyLog) {
      base.event(level, message, proxyLog);
      for (const s of globalSinks) s.send(level, message);
      if (proxyLog) for (const s of proxySinks.get(proxyLog.proxy) ?? []) s.send(proxyLog.level, proxyLog.message ?? message);
    },
    access(proxyName, line) {
      const sinks = proxySinks.get(proxyName);
      if (sinks) for (const s of sinks) s.send('info', line);
    },
    close() {
      sock?.close();
      sock = undefined;
      for (const c of connected.splice(0)) c.close();
    },
  };
}
