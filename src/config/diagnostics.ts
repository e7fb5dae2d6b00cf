// Collecting problems with HAProxy's prefixes; the parser never throws.
import type { Diagnostic, SourceRef } from './model.js';

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** Files with a parse-phase alert, in order, for `Error(s) found in configuration file : F`. */
  readonly filesWithErrors: string[] = [];
  /** An error after which HAProxy stops at once (rule/condition errors): no closing `Fatal errors` line. */
  aborted = false;

  alert(message: string, where?: SourceRef): void {
    this.list.push({ severity: 'alert', message, where });
    if (where && !this.filesWithErrors.includes(where.file)) this.filesWithErrors.push(where.file);
  }

  warning(message: string, where?: SourceRef): void {
    this.list.push({ severity: 'warning', message, where });
  }

  get alertCount(): number {
    return this.list.filter((d) => d.severity === 'alert').length;
  }

  get warningCount(): number {
    return this.list.filter((d) => d.severity === 'warning').length;
  }
}

/** `parsing [f:l] : ` */
export const at = (w: SourceRef): string => `parsing [${w.file}:${w.line}] : `;
/** `parsing [f:l]: ` (HAProxy uses both spellings depending on the keyword) */
export const atTight = (w: SourceRef): string => `parsing [${w.file}:${w.line}]: `;
/** `[f:l] : ` (server lines and a few others) */
export const atBare = (w: SourceRef): string => `[${w.file}:${w.line}] : `;
