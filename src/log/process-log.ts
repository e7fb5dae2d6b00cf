// The default Logger: events to stderr in HAProxy's `[LEVEL]   (pid) : message` shape,
// access lines to stdout.

import type { LogLevel, Logger } from './logger.js';

const TAGS: Record<LogLevel, string> = {
  emerg: '[EMERG]',
  alert: '[ALERT]',
  crit: '[ALERT]',
  err: '[ALERT]',
  warning: '[WARNING]',
  notice: '[NOTICE]',
  info: '[NOTICE]',
  debug: '[DEBUG]',
};

export function createProcessLogger(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Logger {
  return {
    event(level, message) {
      err.write(`${TAGS[level].padEnd(10)} (${process.pid}) : ${message}\n`);
    },
    access(_proxy, line) {
      out.write(line + '\n');
    },
  };
}
