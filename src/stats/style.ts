// The page's stylesheet: HAProxy's row colours (light, and dark under prefers-color-scheme),
// tooltips on hover or keyboard focus, tables that scroll sideways on narrow screens.

const LIGHT: Record<string, string> = {
  active_up: '#c0ffc0', active_going_down: '#ffffa0', active_going_up: '#ffd020', active_down: '#ff9090',
  active_nolb: '#20a0ff', active_draining: '#20a0ff', active_no_check: '#e0e0e0',
  backup_up: '#b0d0ff', backup_going_down: '#c060ff', backup_going_up: '#ff80ff', backup_down: '#ff9090',
  backup_nolb: '#90b0e0', backup_draining: '#cc9900', backup_no_check: '#e0e0e0',
  maintain: '#c07820', frontend: '#e8e8d0', backend: '#e8e8d0',
};
const DARK: Record<string, string> = {
  active_up: '#165900', active_going_down: '#6c6c00', active_going_up: '#b99200', active_down: '#760000',
  active_nolb: '#006ab9', active_draining: '#006ab9', active_no_check: '#2a2d2f',
  backup_up: '#2e3234', backup_going_down: '#580092', backup_going_up: '#7f007f', backup_down: '#760000',
  backup_nolb: '#1e3c6a', backup_draining: '#a37a00', backup_no_check: '#2a2d2f',
  maintain: '#9a601a', frontend: '#2f3437', backend: '#2f3437',
};

const rules = (colours: Record<string, string>): string =>
  Object.entries(colours).map(([cls, c]) => `.${cls}{background:${c}}`).join('');

export const STYLE = `
body{font-family:arial,helvetica,sans-serif;font-size:12px;margin:8px;color:#000;background:#fff}
a{color:#3030a0}a.px:link,a.px:visited{color:#ffff40;text-decoration:none}
a.lfsb{color:inherit;text-decoration:none}a.lfsb:hover{text-decoration:underline}
h1{font-size:18px}h1 a{color:#fff;background:#20a0a0;padding:2px 6px;text-decoration:none;display:inline-block}
h2{font-size:15px}h3{font-size:14px;color:#20a0a0}
table.top{width:100%;border-collapse:collapse}table.top>tbody>tr>td{vertical-align:top;padding:4px 8px}
.fleet-down{color:#c00;font-weight:bold}
td.info{white-space:nowrap}td.options ul{margin:2px 0;padding-left:16px}
table.lgd{border-collapse:collapse;font-size:11px}table.lgd td{border:1px solid #999;padding:1px 6px}
table.tblhead{border-collapse:collapse;margin-top:14px;width:100%}
th.pxname{background:#b00040;color:#ffff40;font-weight:bold;padding:3px 8px;text-align:left;white-space:nowrap;width:10%}
th.empty,th.desc{text-align:left;font-weight:normal;padding-left:8px}
div.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table.tbl{border-collapse:collapse;width:100%;font-size:12px}
table.tbl td,table.tbl th{border:1px solid #999;padding:1px 4px;text-align:right;white-space:nowrap}
table.tbl td.ac,table.tbl th.ac{text-align:center}
tr.titre th,.titre{background:#20d0d0;color:#000;font-weight:bold;text-align:center}
.rls{letter-spacing:0.2em;margin-right:1px}
u{text-decoration:none;position:relative;cursor:help;border-bottom:1px dotted currentColor}
div.tips{display:none;position:absolute;z-index:10;left:0;top:1.4em;background:#ffffe0;color:#000;border:1px solid #888;padding:3px 6px;text-align:left;white-space:nowrap;font-size:11px;box-shadow:2px 2px 4px rgba(0,0,0,.3)}
u:hover div.tips,u:focus div.tips,u:focus-within div.tips{display:block}
div.actions{margin:4px 0}
tr.gone{display:none}
span.spark svg{vertical-align:middle}span.spark polyline{fill:none;stroke:currentColor;stroke-width:1}
div.toolbar{margin:10px 0;display:flex;flex-wrap:wrap;gap:10px;align-items:center}
div.toolbar input[type=search]{font-size:14px;padding:3px 6px;min-width:14em}
span.stamp,span.who{color:#666}
body.stale span.stamp::after{content:" (stale: last update failed)";color:#c00}
div.banner{padding:4px 8px;margin:8px 0;border:1px solid #888}
${rules(LIGHT)}
@media (prefers-color-scheme: dark){
body{background:#1b1e20;color:#ddd}a{color:#9cf}h1 a{background:#1a8080;color:#fff}h3{color:#3cc}
table.tbl td,table.tbl th,table.lgd td{border-color:#555}
tr.titre th,.titre{background:#1aa6a6;color:#000}
th.pxname{background:#8d0033;color:#ffff46}
div.tips{background:#333;color:#eee;border-color:#777}
span.stamp,span.who{color:#aaa}
${rules(DARK)}
}
@media (max-width:700px){body{margin:4px;font-size:13px}table.top>tbody>tr>td{display:block;padding:4px 0}td.info{white-space:normal}}
`;
