// Process log: lifecycle and state-change messages in HAProxy's wording, plus access logs.
// Everything that wants to say something to the operator takes a Logger.

export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';

export interface Logger {
  /** A process event (state change, start, reload...). Goes to stderr and to `log` targets. */
  event(level: LogLevel, message: string): void;
  /** One access-log line (httplog/tcplog format) for the given proxy's log targets. */
  access(proxyName: string, line: string): void;
}
