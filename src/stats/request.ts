// Reading a stats request target the way HAProxy 2.6 does: options are substrings found
// anywhere after the configured `stats uri` prefix, in any order.

export type StatsFormat = 'html' | 'csv' | 'typed' | 'json' | 'json-schema';

export interface StatsRequestOptions {
  format: StatsFormat;
  up: boolean;
  noMaint: boolean;
  norefresh: boolean;
  /** 4-letter admin result code from a previous POST (`;st=DONE`). */
  st?: string;
  /** `scope=` filter text ('' when absent or invalid). */
  scope: string;
}

/** The characters HAProxy accepts in a scope filter; anything else clears it. */
const SCOPE_SAFE = /^[A-Za-z0-9_.:-]*$/;

function readScope(rest: string): string {
  const i = rest.indexOf('scope=');
  if (i < 0) return '';
  let end = i + 6;
  while (end < rest.length && !';& '.includes(rest[end]!)) end++;
  const value = rest.slice(i + 6, Math.min(end, i + 6 + 20));
  return SCOPE_SAFE.test(value) ? value : '';
}

/** `rest` is the target after the `stats uri` prefix. */
export function parseStatsOptions(rest: string): StatsRequestOptions {
  // later entries of csv < typed < json < json-schema win
  let format: StatsFormat = 'html';
  if (rest.includes(';csv')) format = 'csv';
  if (rest.includes(';typed')) format = 'typed';
  if (rest.includes(';json')) format = 'json';
  if (rest.includes(';json-schema')) format = 'json-schema';
  const st = /;st=([A-Za-z]{4})/.exec(rest)?.[1];
  const opts: StatsRequestOptions = {
    format,
    up: rest.includes(';up'),
    noMaint: rest.includes(';no-maint'),
    norefresh: rest.includes(';norefresh'),
    scope: readScope(rest),
  };
  if (st) opts.st = st.toUpperCase();
  return opts;
}

/** The suffix that keeps the current view: `[;up][;norefresh][?scope=..]`, after an optional `;st=`. */
export function viewSuffix(opts: Pick<StatsRequestOptions, 'up' | 'norefresh' | 'scope'>, extra: { up?: boolean; norefresh?: boolean } = {}): string {
  const up = extra.up ?? opts.up;
  const norefresh = extra.norefresh ?? opts.norefresh;
  return `${up ? ';up' : ''}${norefresh ? ';norefresh' : ''}${opts.scope ? `?scope=${opts.scope}` : ''}`;
}
