// The page's script, sent inline (with the page's CSP nonce). It fetches `;json` on the refresh
// interval and rewrites only the cells whose text changed, so scroll position, checkbox
// selection and hovered tooltips survive; it also runs the filter box and "problems only".
// Cell formats mirror format.ts and html.ts.

export const CLIENT_SCRIPT = String.raw`(function () {
'use strict';
var cfg = JSON.parse(document.getElementById('sy-cfg').textContent);
// the Refresh header (kept for HAProxy compatibility) would reload the page: the live updates replace it
if (cfg.stopRefresh && window.stop) window.addEventListener('load', function () { window.stop(); });
function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]; }); }
function grp(v) {
  if (v === undefined) return '';
  var s = String(v);
  if (!/^\d{4,}$/.test(s)) return esc(s);
  var out = '';
  for (var i = 0; i < s.length; i++) {
    var left = s.length - i - 1;
    out += left > 0 && left % 3 === 0 ? '<span class="rls">' + s[i] + '</span>' : s[i];
  }
  return out;
}
function dur(sec) {
  if (sec === undefined) return '';
  if (sec < 0) return '?';
  var d = Math.floor(sec / 86400), h = Math.floor(sec % 86400 / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
  if (d > 0) return d + 'd' + h + 'h';
  if (h > 0) return h + 'h' + m + 'm';
  if (m > 0) return m + 'm' + s + 's';
  return s + 's';
}
function arrows(f) {
  if (f.check_health === undefined) return '';
  var full = f.check_rise + f.check_fall - 1, st = f.status;
  if (/^DOWN/.test(st) && f.check_health > 0) return ' &uarr;';
  if (!/^(DOWN|MAINT)/.test(st) && f.check_health < full) return ' &darr;';
  return '';
}
var KINDS = {
  num: function (f, n) { return grp(f[n]); },
  lim: function (f, n) { return f[n] === undefined ? '-' : grp(f[n]); },
  lim0: function (f, n) { return f[n] ? grp(f[n]) : '-'; },
  age: function (f, n) { return dur(f[n]); },
  txt: function (f, n) { return esc(f[n] === undefined ? '' : f[n]); },
  yn: function (f, n) { return f[n] ? 'Y' : '-'; },
  w: function (f) { return esc(f.weight) + '/' + esc(f.uweight); },
  thr: function (f) { return f.throttle === undefined ? '-' : esc(f.throttle) + ' %'; },
  bst: function (f) { return dur(f.lastchg) + ' ' + esc(f.status); },
  sst: function (f) {
    if (f.status === 'no check') return '<i>no check</i>';
    return dur(f.lastchg) + ' ' + esc(f.status) + arrows(f);
  },
  chk: function (f) {
    if (f.check_status === undefined) return '';
    var code = f.check_code !== undefined ? '/' + esc(f.check_code) : '';
    var tip = esc(f.check_desc || '') + (f.last_chk ? ': ' + esc(f.last_chk) : '');
    return '<u tabindex="0">' + esc(f.check_status) + code + ' in ' + esc(f.check_duration) + 'ms<div class="tips">' + tip + '</div></u>';
  }
};
function rowClass(f) {
  var st = f.status;
  if (/^MAINT/.test(st)) return 'maintain';
  var kind = f.bck ? 'backup' : 'active', style;
  if (st === 'DOWN' || st === 'DOWN (agent)') style = 'down';
  else if (/^DOWN /.test(st)) style = 'going_up';
  else if (st === 'DRAIN') style = 'draining';
  else if (/^NOLB /.test(st)) style = 'going_down';
  else if (st === 'NOLB') style = 'nolb';
  else if (st === 'no check') style = f.weight > 0 ? 'no_check' : 'draining';
  else if (st === 'UP') style = f.weight > 0 ? 'up' : 'draining';
  else style = 'going_down';
  return kind + '_' + style;
}
function problem(tr) {
  var st = tr.getAttribute('data-status') || '';
  if (tr.getAttribute('data-sv') === 'FRONTEND') return st !== 'OPEN';
  if (tr.getAttribute('data-sv') === 'BACKEND') return !/^UP/.test(st);
  return st !== 'UP' && st !== 'no check';
}
var rows = {};
Array.prototype.forEach.call(document.querySelectorAll('tr[data-px]'), function (tr) {
  rows[tr.getAttribute('data-px') + '/' + tr.getAttribute('data-sv')] = tr;
});
var filterBox = document.getElementById('sy-filter');
var problemsBox = document.getElementById('sy-problems');
function applyFilter() {
  var text = filterBox ? filterBox.value.trim().toLowerCase() : '';
  var onlyProblems = problemsBox ? problemsBox.checked : false;
  Array.prototype.forEach.call(document.querySelectorAll('div.px'), function (block) {
    var pxMatch = text === '' || (block.getAttribute('data-px') || '').toLowerCase().indexOf(text) >= 0;
    var servers = 0, anyProblem = false;
    Array.prototype.forEach.call(block.querySelectorAll('tr[data-px]'), function (tr) {
      var sv = tr.getAttribute('data-sv');
      if (problem(tr)) anyProblem = true;
      if (sv === 'FRONTEND' || sv === 'BACKEND') { tr.hidden = false; return; }
      var hay = (sv + ' ' + (tr.getAttribute('data-status') || '')).toLowerCase();
      var ok = (pxMatch || hay.indexOf(text) >= 0) && (!onlyProblems || problem(tr));
      tr.hidden = !ok;
      if (ok) servers++;
    });
    block.hidden = (!pxMatch && servers === 0) || (onlyProblems && !anyProblem);
  });
}
if (filterBox) filterBox.addEventListener('input', applyFilter);
if (problemsBox) problemsBox.addEventListener('change', applyFilter);
Array.prototype.forEach.call(document.querySelectorAll('input.sy-all'), function (all) {
  all.addEventListener('change', function () {
    var form = all.form;
    Array.prototype.forEach.call(form.querySelectorAll('input[name="s"]'), function (cb) {
      if (!cb.closest('tr').hidden) cb.checked = all.checked;
    });
  });
});
// ;json rows as {field: value}
function fromJson(data) {
  return data.map(function (obj) {
    var f = {};
    obj.forEach(function (it) { f[it.field.name] = it.value.value; });
    return f;
  });
}
// ;csv rows as {field: value}, numbers as numbers, empty cells absent (large configs: ~50x smaller)
function fromCsv(text) {
  var lines = text.split('\n');
  var names = lines[0].slice(2).split(',');
  var out = [];
  for (var i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    var cells = lines[i].split(','), f = {};
    for (var j = 0; j < names.length; j++) {
      var c = cells[j];
      if (c === undefined || c === '') continue;
      f[names[j]] = /^-?\d+$/.test(c) ? Number(c) : c;
    }
    out.push(f);
  }
  return out;
}
// a little history: sessions/s per row over the last HISTORY polls, drawn as a sparkline
var HISTORY = 60, hist = {};
function spark(key, f, tr) {
  var el = tr.querySelector('span.spark');
  if (!el || f.stot === undefined) return;
  var h = hist[key] || (hist[key] = []);
  h.push({ t: Date.now(), stot: f.stot });
  if (h.length > HISTORY + 1) h.shift();
  if (h.length < 3) return;
  var rates = [];
  for (var i = 1; i < h.length; i++) rates.push(Math.max(0, (h[i].stot - h[i - 1].stot) * 1000 / Math.max(1, h[i].t - h[i - 1].t)));
  var max = Math.max.apply(null, rates), w = 60, ht = 12, pts = [];
  rates.forEach(function (r, i) {
    pts.push((i * w / (HISTORY - 1)).toFixed(1) + ',' + (ht - (max > 0 ? r / max * ht : 0)).toFixed(1));
  });
  el.title = 'sessions/s over the last ' + rates.length + ' updates, peak ' + max.toFixed(1);
  el.innerHTML = '<svg width="' + w + '" height="' + ht + '" viewBox="0 0 ' + w + ' ' + ht + '"><polyline points="' + pts.join(' ') + '"></polyline></svg>';
}
function update(list) {
  var seen = {}, unknown = false;
  list.forEach(function (f) {
    var key = f.pxname + '/' + f.svname;
    var tr = rows[key];
    if (!tr) { unknown = true; return; }
    seen[key] = true;
    spark(key, f, tr);
    tr.setAttribute('data-status', f.status);
    if (f.type === 2) { var cls = rowClass(f); if (tr.classList[0] !== cls) tr.className = cls; }
    Array.prototype.forEach.call(tr.querySelectorAll('td[data-k]'), function (td) {
      var html = KINDS[td.getAttribute('data-k')](f, td.getAttribute('data-f'));
      // compare with what was last written: innerHTML reads back entities as characters
      if (td.syHtml !== html) { td.innerHTML = html; td.syHtml = html; }
    });
  });
  // with ;up or ;no-maint servers come and go: hide the ones that left, reload for newcomers
  Object.keys(rows).forEach(function (key) { rows[key].classList.toggle('gone', !seen[key]); });
  if (unknown) { location.reload(); return; }
  var stamp = document.getElementById('sy-updated');
  if (stamp) stamp.textContent = 'updated ' + new Date().toLocaleTimeString();
  applyFilter();
}
var busy = false;
function tick() {
  if (busy || document.hidden) return;
  busy = true;
  fetch(cfg.feed, { credentials: 'same-origin', cache: 'no-store' })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return cfg.csv ? r.text() : r.json(); })
    .then(function (data) { update(cfg.csv ? fromCsv(data) : fromJson(data)); document.body.classList.remove('stale'); })
    .catch(function () { document.body.classList.add('stale'); })
    .then(function () { busy = false; });
}
applyFilter();
if (cfg.interval > 0) setInterval(tick, cfg.interval);
})();
`;
