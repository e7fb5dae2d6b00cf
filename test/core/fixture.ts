// Builds a Runtime from config text through the real parser and buildRuntime, with a Logger
// that records events, for state, control and balancing tests.

import { parseConfig } from '../../src/config/parser.js';
import type { Config } from '../../src/config/model.js';
import { buildRuntime } from '../../src/core/build.js';
import type { Runtime } from '../../src/core/runtime.js';
import type { Logger, LogLevel, ProxyLogEvent } from '../../src/log/logger.js';

export function configFrom(text: string): Config {
  const r = parseConfig([{ file: 'test.cfg', text }], {
    env: {},
    readPatternFile: () => undefined,
    resolveHost: (h) => (h === 'localhost' ? '127.0.0.1' : undefined),
    hostname: 'testnode',
    defaultMaxconn: 9984,
  });
  if (!r.config) throw new Error(`config failed: ${JSON.stringify(r.diagnostics.list)}`);
  return r.config;
}

export interface RecordedEvent {
  level: LogLevel;
  message: string;
  proxyLog?: ProxyLogEvent;
}

export interface RecordingLog extends Logger {
  lines: RecordedEvent[];
  messages(): string[];
}

export function recordingLog(): RecordingLog {
  const lines: RecordedEvent[] = [];
  return {
    lines,
    event(level, message, proxyLog) {
      lines.push(proxyLog ? { level, message, proxyLog } : { level, message });
    },
    access() {},
    messages: () => lines.map((l) => l.message),
  };
}

export function runtimeFrom(text: string, nowMs = Date.now()): Runtime {
  return buildRuntime(configFrom(text), nowMs);
}

export const BASE = 'defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n';
