// HAProxy 2.6's own prometheus-exporter (Debian haproxy is built with it) and Switchyard's on
// the same seed config: the same metric families with the same types, the same series (label
// sets), and the same values wherever they depend on configuration and state only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts } from '../stats/seed.js';

/** Series whose values depend only on the config and the servers' state. */
const SAME_VALUE = /^haproxy_(server_status|backend_status|frontend_status|server_check_status|backend_agg_server_status|backend_agg_check_status|server_weight|server_uweight|backend_weight|backend_active_servers|backend_backup_servers|server_limit_sessions|frontend_limit_sessions|backend_limit_sessions|server_queue_limit|process_nbproc|process_max_connections|process_relative_process_id)\b/;

function series(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of parsePrometheusTextFormat(text)) {
    if (f.name === 'haproxy_process_build_info') continue;
    out.set(`# ${f.name} ${f.type}`, '');
    for (const m of f.metrics) {
      const labels = Object.entries(m.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(',');
      out.set(`${f.name}{${labels}}`, m.value ?? '');
    }
  }
  return out;
}

test('Switchyard\'s /metrics has the families, types and series of HAProxy 2.6\'s prometheus-exporter', async (t) => {
  const seed = await seedOnFreePorts((cfg) =>
    cfg.replace('    default_backend app', '    http-request use-service prometheus-exporter if { path /metrics }\n    default_backend app'),
  );
  t.after(() => seed.close());
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-promex-'));
  const [hapWeb, hapStats] = [await freePort(), await freePort()];
  writeFileSync(
    path.join(dir, 'haproxy.cfg'),
    seed.cfg
      .replace(`127.0.0.1:${seed.webPort}`, `127.0.0.1:${hapWeb}`)
      .replace(`127.0.0.1:${seed.statsPort}`, `127.0.0.1:${hapStats}`)
      .replace(/stats socket \S+/, `stats socket ${dir}/hap.sock`),
  );
  const hap = spawn('/usr/sbin/haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  t.after(() => {
    hap.kill('SIGKILL');
  });
  const sy = await startSwitchyard(seed.cfg, [seed.webPort]);
  t.after(() => sy.stop());

  const upAndChecked = (s: Map<string, string>): boolean =>
    ['web1', 'web2'].every((sv) => s.get(`haproxy_server_check_status{proxy="app",server="${sv}",state="L7OK"}`) === '1');
  // Both sides are read again until they agree or time runs out: health checks on a loaded
  // machine may move a server for a moment on one side.
  const deadline = Date.now() + 20_000;
  let compared = 0;
  for (;;) {
    try {
      const theirs = series(await (await fetch(`http://127.0.0.1:${hapWeb}/metrics`)).text());
      const ours = series(await (await fetch(`http://127.0.0.1:${seed.webPort}/metrics`)).text());
      assert.ok(upAndChecked(theirs) && upAndChecked(ours), 'servers not both checked UP yet');
      const missing = [...theirs.keys()].filter((k) => !ours.has(k));
      const extra = [...ours.keys()].filter((k) => !theirs.has(k));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
      compared = 0;
      for (const [key, value] of theirs) {
        if (!SAME_VALUE.test(key)) continue;
        assert.equal(ours.get(key), value, key);
        compared++;
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  assert.ok(compared > 50, `${compared} values compared`);
});
