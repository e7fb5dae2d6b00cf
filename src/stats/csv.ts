// `;csv` and `show stat`: HAProxy 2.6's CSV, header `# ` + names + trailing comma, the
// literal `-` column between the base fields and the module fields, no quoting.

import { BASE_FIELDS, STAT_FIELDS } from './fields.js';
import { selectRows, type SelectOptions } from './select.js';
import type { Snapshot, StatRow, StatValue } from './snapshot.js';

export type CsvOptions = SelectOptions;

export const CSV_HEADER =
  '# ' +
  STAT_FIELDS.slice(0, BASE_FIELDS).map((f) => f.name).join(',') +
  ',-,' +
  STAT_FIELDS.slice(BASE_FIELDS).map((f) => f.name).join(',') +
  ',\n';

function cell(v: StatValue): string {
  return v === undefined ? '' : String(v);
}

export function csvLine(row: StatRow): string {
  let line = '';
  for (let i = 0; i < BASE_FIELDS; i++) line += cell(row.values[i]) + ',';
  line += '-,';
  for (let i = BASE_FIELDS; i < STAT_FIELDS.length; i++) line += cell(row.values[i]) + ',';
  return line + '\n';
}

export function renderCsv(snap: Snapshot, opts: CsvOptions = {}): string {
  let out = CSV_HEADER;
  for (const row of selectRows(snap, opts)) out += csvLine(row);
  return out;
}
