// Process log: lifecycle and state-change messages in HAProxy's wording, plus access logs.
// Everything that wants to say something to the operator takes a Logger.

export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';

/**
 * A proxy's event as it goes to that proxy's `log` targets, when that differs from the stderr
 * line: HAProxy logs e.g. a server going DOWN as a stderr warning but a syslog alert, and
 * `backend 'b' has no server available!` (stderr) as `backend b has no server available!`.
 */
export interface ProxyLogEvent {
  proxy: string;
  level: LogLevel;
  /** The syslog text, when it is not the stderr one. */
  message?: string;
}

export interface Logger {
  /** A process event (state change, start, reload...). Goes to stderr and to `log` targets. */
  event(level: LogLevel, message: string, proxyLog?: ProxyLogEvent): void;
  /** One access-log line (httplog/tcplog format) for the given proxy's log targets. */
  access(proxyName: string, line: string): void;
}
