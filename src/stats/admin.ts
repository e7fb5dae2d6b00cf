// The admin form protocol of HAProxy's stats page: `s=<server>` (repeated), `action=<name>`,
// `b=<backend name or #iid>`, url-encoded; answered with a 4-letter result code that the
// 303 redirect carries as `;st=<CODE>`. State only changes through control/.

import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import type { Actor, Control, ServerAction } from '../control/commands.js';

export type AdminResult = 'DONE' | 'PART' | 'NONE' | 'DENY' | 'ERRP' | 'EXCD' | 'UNKN';

const ACTIONS = new Set<string>([
  'ready', 'drain', 'maint', 'dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown',
  'dagent', 'eagent', 'arunn', 'adown', 'shutdown',
]);

/** Legacy names still accepted (not in the menu): they act only when they change something. */
const LEGACY: Record<string, ServerAction> = { disable: 'maint', enable: 'ready', stop: 'drain', start: 'ready' };

export interface AdminForm {
  servers: string[];
  action?: string;
  backend?: string;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Parse the body; the last `b` and `action` win, `s` repeats, order is irrelevant. */
export function parseAdminForm(body: string): AdminForm {
  const form: AdminForm = { servers: [] };
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    if (key === 's') form.servers.push(value);
    else if (key === 'action') form.action = value;
    else if (key === 'b') form.backend = value;
  }
  return form;
}

export interface AdminContext {
  runtime: Runtime;
  control: () => Control;
  actor: Actor;
}

export function applyAdminForm(form: AdminForm, ctx: AdminContext): AdminResult {
  if (form.servers.length === 0 || form.action === undefined || form.backend === undefined) return 'NONE';
  const px = ctx.runtime.backend(form.backend);
  if (!px) return 'ERRP';
  const legacy = LEGACY[form.action];
  if (!ACTIONS.has(form.action) && !legacy) return 'ERRP';
  let total = 0;
  let altered = 0;
  let noop = 0;
  for (const name of form.servers) {
    total++;
    const server = px.serversByName.get(name);
    if (!server) continue;
    const action = (legacy ?? form.action) as ServerAction;
    if (legacy ? !legacyChanges(form.action, server.state.admin) : !applies(server, action)) {
      noop++;
      continue;
    }
    if (ctx.control().serverAction(server, action, ctx.actor).ok) altered++;
  }
  if (total === 0) return 'NONE';
  if (altered === 0) return noop > 0 ? 'NONE' : 'ERRP';
  return altered === total ? 'DONE' : 'PART';
}

/** Whether HAProxy counts the action as processed for this server (whether or not it changes anything). */
function applies(server: Server, action: ServerAction): boolean {
  const { check, agent } = server.state;
  switch (action) {
    case 'dhlth': case 'ehlth': return check.configured;
    case 'hrunn': case 'hnolb': case 'hdown': return server.config.track === undefined;
    case 'dagent': case 'eagent': return agent.configured;
    case 'arunn': case 'adown': return agent.configured && agent.enabled;
    default: return true;
  }
}

function legacyChanges(action: string, admin: number): boolean {
  const maint = (admin & 0x01) !== 0;
  const drain = (admin & 0x08) !== 0;
  if (action === 'disable') return !maint;
  if (action === 'enable') return maint;
  if (action === 'stop') return !drain;
  return drain;
}
