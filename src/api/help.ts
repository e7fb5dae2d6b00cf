// The command list `help` prints (HAProxy 2.6's syntax column and descriptions, for the
// commands Switchyard answers), and the near-miss suggestions for an unknown command.

export const HELP_LINES: readonly (readonly [string, string])[] = [
  ['clear counters [all]', 'clear max statistics counters (or all counters)'],
  ['disable agent', 'disable agent checks'],
  ['disable frontend <frontend>', 'temporarily disable specific frontend'],
  ['disable health', 'disable health checks'],
  ['disable server (DEPRECATED)', "disable a server for maintenance (use 'set server' instead)"],
  ['enable agent', 'enable agent checks'],
  ['enable frontend <frontend>', 're-enable specific frontend'],
  ['enable health', 'enable health checks'],
  ['enable server  (DEPRECATED)', "enable a disabled server (use 'set server' instead)"],
  ['get weight <bk>/<srv>', "report a server's current weight"],
  ['operator', 'lower the level of the current CLI session to operator'],
  ['set maxconn frontend <frontend> <value>', "change a frontend's maxconn setting"],
  ['set maxconn global <value>', 'change the per-process maxconn setting'],
  ['set maxconn server <bk>/<srv>', "change a server's maxconn setting"],
  ['set server <bk>/<srv> [opts]', "change a server's state, weight, address or ssl"],
  ['set timeout [cli] <delay>', 'change a timeout setting'],
  ['set weight <bk>/<srv>  (DEPRECATED)', "change a server's weight (use 'set server' instead)"],
  ['show backend', 'list backends in the current running config'],
  ['show cli level', 'display the level of the current CLI session'],
  ['show errors [<px>] [request|response]', 'report last request and/or response errors for each proxy'],
  ['show fleet', 'show the instances of the fleet and their servers side by side (Switchyard)'],
  ['show info [desc|json|typed|float]*', 'report information about the running process'],
  ['show pools', 'report information about the memory pools usage'],
  ['show schema json', 'report schema used for stats'],
  ['show servers state [<backend>]', 'dump volatile server information (all or for a single backend)'],
  ['show sess [id]', 'report the list of current sessions or dump this exact session'],
  ['show stat [desc|json|no-maint|typed|up]*', 'report counters for each proxy and server'],
  ['show version', 'show version of the current process'],
  ['shutdown session [id]', 'kill a specific session'],
  ['shutdown sessions server <bk>/<srv>', 'kill sessions on a server'],
  ['user', 'lower the level of the current CLI session to user'],
  ['help [<command>]', 'list matching or all commands'],
  ['prompt', 'toggle interactive mode with prompt'],
  ['quit', 'disconnect'],
];

function helpLine([syntax, desc]: readonly [string, string]): string {
  return `  ${syntax.padEnd(40)}: ${desc}\n`;
}

const HELP_HEADER = 'The following commands are valid at this level:\n';

/** `help [<words>]`: every command, or those starting with the words, or the closest ones. */
export function helpText(words: readonly string[] = []): string {
  if (words.length === 0) return HELP_HEADER + HELP_LINES.map(helpLine).join('');
  const prefix = words.join(' ');
  const matching = HELP_LINES.filter((l) => l[0] === prefix || l[0].startsWith(prefix + ' ') || ALWAYS.has(l[0]));
  if (matching.length > ALWAYS.size) return HELP_HEADER + matching.map(helpLine).join('');
  return HELP_HEADER + closest(words).map(helpLine).join('');
}

/** What an empty line in prompt mode answers. */
export function commandListText(): string {
  return 'Unknown command. Please enter one of the following commands only:\n' + HELP_LINES.map(helpLine).join('');
}

/** Character-pair counts of a text: a cheap fingerprint to rank commands by likeness. */
function pairs(text: string): Map<string, number> {
  const m = new Map<string, number>();
  const t = ` ${text.toLowerCase()} `;
  for (let i = 0; i + 1 < t.length; i++) {
    const k = t.slice(i, i + 2);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function distance(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const [k, n] of a) d += Math.abs(n - (b.get(k) ?? 0));
  for (const [k, n] of b) if (!a.has(k)) d += n;
  return d;
}

const ALWAYS = new Set(['help [<command>]', 'prompt', 'quit']);

/**
 * Reply to an unknown command: the (up to five) commands closest to what was typed, in list
 * order, then help, prompt and quit, which HAProxy always appends.
 */
export function unknownCommandText(words: readonly string[]): string {
  return 'Unknown command, but maybe one of the following ones is a better match:\n' + closest(words).map(helpLine).join('');
}

function closest(words: readonly string[]): (readonly [string, string])[] {
  const typed = pairs(words.join(' '));
  const leading = (keyword: string): number => {
    const kw = keyword.split(' ');
    let n = 0;
    while (n < kw.length && n < words.length && kw[n] === words[n]) n++;
    return n;
  };
  const all = HELP_LINES.filter((l) => !ALWAYS.has(l[0])).map((l) => {
    const keyword = l[0].split(/ [<[{(]/)[0]!;
    return { l, d: distance(typed, pairs(keyword)), lead: leading(keyword) };
  });
  // Commands sharing the most leading words come first, then the closest spellings.
  const lead = Math.max(...all.map((x) => x.lead));
  const scored = all.filter((x) => x.lead === lead);
  const best = Math.min(...scored.map((x) => x.d));
  const picked = new Set(scored.filter((x) => x.d <= best + 3).sort((a, b) => a.d - b.d).slice(0, 5).map((x) => x.l));
  return HELP_LINES.filter((l) => picked.has(l) || ALWAYS.has(l[0]));
}
