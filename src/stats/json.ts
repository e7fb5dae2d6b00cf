// Typed outputs of the same rows: `;json` / `show stat json` (one array per object), `;typed` /
// `show stat typed` (one line per non-empty field), and `;json-schema` / `show schema json`.

import { STAT_FIELDS, fieldTags, tagNames, type FieldType } from './fields.js';
import { fieldDesc } from './field-desc.js';
import { selectRows, type SelectOptions } from './select.js';
import type { Snapshot, StatRow } from './snapshot.js';

export interface JsonField {
  objType: string;
  proxyId: number;
  id: number;
  field: { pos: number; name: string };
  processNum: number;
  tags: { origin: string; nature: string; scope: string };
  value: { type: FieldType; value: number | string };
  desc?: string;
}

export function rowToJson(row: StatRow, withDesc = false): JsonField[] {
  const out: JsonField[] = [];
  for (let pos = 0; pos < STAT_FIELDS.length; pos++) {
    const v = row.values[pos];
    if (v === undefined) continue;
    const fd = STAT_FIELDS[pos]!;
    const item: JsonField = {
      objType: row.objType,
      proxyId: row.iid,
      id: row.sid,
      field: { pos, name: fd.name },
      processNum: 1,
      tags: tagNames(fieldTags(fd, row.objType)),
      value: { type: fd.type, value: fd.type === 'str' ? String(v) : Number(v) },
    };
    if (withDesc) item.desc = fieldDesc(fd.name);
    out.push(item);
  }
  return out;
}

/** The `;json` body: a JSON array of per-object arrays, newline-terminated. */
export function renderJson(snap: Snapshot, opts: SelectOptions = {}, withDesc = false): string {
  return JSON.stringify(selectRows(snap, opts).map((r) => rowToJson(r, withDesc))) + '\n';
}

const TYPE_LETTER: Record<string, string> = { Frontend: 'F', Backend: 'B', Server: 'S', Listener: 'L' };

/** `;typed`: `<T>.<iid>.<sid>.<pos>.<name>.<pid>:<tags>:<type>:<value>` per non-empty field. */
export function renderTyped(snap: Snapshot, opts: SelectOptions = {}, withDesc = false): string {
  let out = '';
  for (const row of selectRows(snap, opts)) {
    const t = TYPE_LETTER[row.objType]!;
    for (let pos = 0; pos < STAT_FIELDS.length; pos++) {
      const v = row.values[pos];
      if (v === undefined) continue;
      const fd = STAT_FIELDS[pos]!;
      out += `${t}.${row.iid}.${row.sid}.${pos}.${fd.name}.1:${fieldTags(fd, row.objType)}:${fd.type}:${v}`;
      out += withDesc ? `:"${fieldDesc(fd.name)}"\n` : '\n';
    }
  }
  return out;
}

const int = (min: number, max?: number): Record<string, unknown> =>
  max === undefined ? { type: 'integer', minimum: min } : { type: 'integer', minimum: min, maximum: max };

function typedValue(type: string, value: Record<string, unknown>): Record<string, unknown> {
  return { properties: { type: { type: 'string', enum: [type] }, value }, required: ['type', 'value'] };
}

const item = (extra: Record<string, unknown>, valueKey: string): Record<string, unknown> => ({
  ...extra,
  field: { $ref: '#/definitions/field' },
  processNum: { $ref: '#/definitions/processNum' },
  tags: { $ref: '#/definitions/tags' },
  [valueKey]: { $ref: '#/definitions/typedValue' },
});

/** draft-04 schema of the typed JSON outputs, as `show schema json` prints it. */
export const JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  oneOf: [
    {
      title: 'Info',
      type: 'array',
      items: {
        title: 'InfoItem',
        type: 'object',
        properties: item({}, 'value'),
        required: ['field', 'processNum', 'tags', 'value'],
      },
    },
    {
      title: 'Stat',
      type: 'array',
      items: {
        title: 'InfoItem',
        type: 'object',
        properties: item(
          {
            objType: { enum: ['Frontend', 'Backend', 'Listener', 'Server', 'Unknown'] },
            proxyId: int(0),
            id: int(0),
          },
          'typedValue',
        ),
        required: ['objType', 'proxyId', 'id', 'field', 'processNum', 'tags', 'value'],
      },
    },
    {
      title: 'Error',
      type: 'object',
      properties: { errorStr: { type: 'string' } },
      required: ['errorStr'],
    },
  ],
  definitions: {
    field: { type: 'object', pos: int(0), name: { type: 'string' }, required: ['pos', 'name'] },
    processNum: int(1),
    tags: {
      type: 'object',
      origin: { type: 'string', enum: ['Metric', 'Status', 'Key', 'Config', 'Product', 'Unknown'] },
      nature: {
        type: 'string',
        enum: ['Gauge', 'Limit', 'Min', 'Max', 'Rate', 'Counter', 'Duration', 'Age', 'Time', 'Name', 'Output', 'Avg', 'Unknown'],
      },
      scope: { type: 'string', enum: ['Cluster', 'Process', 'Service', 'System', 'Unknown'] },
      required: ['origin', 'nature', 'scope'],
    },
    typedValue: {
      type: 'object',
      oneOf: ['s32', 's64', 'u32', 'u64', 'str'].map((t) => ({ $ref: `#/definitions/typedValue/definitions/${t}Value` })),
      definitions: {
        s32Value: typedValue('s32', int(-2147483648, 2147483647)),
        s64Value: typedValue('s64', int(-9007199254740991, 9007199254740991)),
        u32Value: typedValue('u32', int(0, 4294967295)),
        u64Value: typedValue('u64', int(0, 9007199254740991)),
        strValue: typedValue('str', { type: 'string' }),
        unknownValue: { properties: { type: int(0), value: { type: 'string', enum: ['unknown'] } }, required: ['type', 'value'] },
      },
    },
  },
};

/** HAProxy's schema text has one stray space in the nature list; tools may compare it byte for byte. */
export function renderSchema(): string {
  return JSON.stringify(JSON_SCHEMA).replace('"Avg","Unknown"', '"Avg", "Unknown"') + '\n';
}
