/** The stylesheet, served as /assets/dashboard.css: plain CSS, light and dark by system setting. */
export const DASHBOARD_STYLES = String.raw`
:root {
  --bg: #f5f6f8; --card: #fff; --text: #1d2330; --muted: #6b7385; --line: #e3e6ec;
  --accent: #2f6fde; --accent-soft: #e6eefc; --good: #1f8a4c; --good-soft: #e3f4ea;
  --busy: #2f6fde; --busy-soft: #e6eefc; --held: #b26b00; --held-soft: #fcf0dc;
  --bad: #c8372d; --bad-soft: #fbe5e3; --quiet: #6b7385; --quiet-soft: #eef0f3;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171d; --card: #1c2028; --text: #e6e9ef; --muted: #9aa3b5; --line: #2c323d;
    --accent: #6b9cf0; --accent-soft: #1e2c45; --good: #4cc184; --good-soft: #17332a;
    --busy: #6b9cf0; --busy-soft: #1e2c45; --held: #e0a449; --held-soft: #3a2c14;
    --bad: #ef6b61; --bad-soft: #3d1f1c; --quiet: #9aa3b5; --quiet-soft: #262b35;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.top { display: flex; align-items: center; gap: 24px; padding: 12px 24px; background: var(--card);
  border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
.brand { font-weight: 650; letter-spacing: .01em; }
.logo { color: var(--accent); }
.top nav { display: flex; gap: 4px; }
.top nav a { padding: 6px 12px; border-radius: 6px; color: var(--muted); }
.top nav a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.where { color: var(--muted); }
.where strong { color: var(--text); }
.live-state { margin-left: auto; color: var(--muted); font-size: 12px; }
.live-state.ok::before { content: "●"; color: var(--good); margin-right: 6px; }
.live-state.stale { color: var(--bad); }
main { padding: 20px 24px 40px; max-width: 1500px; margin: 0 auto; }
h1 { font-size: 20px; margin: 0 0 6px; font-weight: 650; }
h2 { font-size: 14px; margin: 0 0 12px; font-weight: 650; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px;
  margin-bottom: 16px; box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
.card.empty { color: var(--muted); text-align: center; padding: 32px; }
.muted { color: var(--muted); font-weight: 400; }
.small { font-size: 12px; }
.nowrap { white-space: nowrap; }
.filters { display: flex; gap: 16px; margin-bottom: 16px; align-items: center; }
.filters label { color: var(--muted); display: flex; gap: 8px; align-items: center; }
select, input { font: inherit; color: var(--text); background: var(--card); border: 1px solid var(--line);
  border-radius: 6px; padding: 5px 8px; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; padding: 0 8px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 10px 6px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.wide, td.wide { min-width: 130px; width: 16%; }
.job-name { font-weight: 600; color: var(--text); white-space: nowrap; }
.run-link { white-space: nowrap; }
.run-link:hover .job-name { color: var(--accent); }
.error-cell { color: var(--muted); min-width: 140px; max-width: 240px; overflow-wrap: anywhere;
  font-size: 12.5px; line-height: 1.35; }
.error-cell span { color: var(--bad); display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical;
  overflow: hidden; }
.cursor-cell code { display: inline-block; max-width: 150px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; vertical-align: bottom; }
.tags { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.tag { font-size: 11.5px; padding: 1px 7px; border-radius: 999px; background: var(--accent-soft); color: var(--accent);
  white-space: nowrap; max-width: 170px; overflow: hidden; text-overflow: ellipsis; }
table.runs td:first-child { max-width: 230px; overflow-wrap: anywhere; }
.bulk { display: flex; gap: 8px; align-items: center; margin: -4px 0 12px; flex-wrap: wrap; }
.pager { display: flex; gap: 10px; align-items: center; margin: -6px 0 0 4px; }
.pager a.button { color: var(--text); }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0 0 16px; }
dl.settings dt { color: var(--muted); }
dl.settings dd { margin: 0; overflow-wrap: anywhere; }
.new-run .field select, .new-run .field textarea, .field textarea { display: block; width: 100%; margin-top: 6px;
  font-weight: 400; }
textarea { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--text);
  background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
.field.check { display: flex; gap: 10px; align-items: center; }
.field.check input { width: auto; margin: 0; }
.field .hint { display: block; font-weight: 400; color: var(--muted); font-size: 12px; }
.issue { display: block; color: var(--bad); font-weight: 400; font-size: 12.5px; }
.issue:empty { display: none; }
form.submitted :invalid { border-color: var(--bad); }
table.audit td, table.history td { padding: 6px 8px; }
ul.sample { margin: -8px 0 14px; font-size: 12.5px; color: var(--muted); }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  white-space: nowrap; }
.badge.tone-good { background: var(--good-soft); color: var(--good); }
.badge.tone-busy { background: var(--busy-soft); color: var(--busy); }
.badge.tone-held { background: var(--held-soft); color: var(--held); }
.badge.tone-bad { background: var(--bad-soft); color: var(--bad); }
.badge.tone-quiet { background: var(--quiet-soft); color: var(--quiet); }
.bar { display: flex; align-items: center; gap: 10px; }
.bar-track { flex: 1; height: 8px; min-width: 80px; }
.bar-bg { fill: var(--quiet-soft); }
.bar-fill { fill: var(--busy); }
.bar.tone-good .bar-fill { fill: var(--good); }
.bar.tone-held .bar-fill { fill: var(--held); }
.bar.tone-bad .bar-fill { fill: var(--bad); }
.bar.tone-quiet .bar-fill { fill: var(--quiet); }
.bar-label { font-variant-numeric: tabular-nums; font-size: 12px; color: var(--muted); min-width: 44px;
  text-align: right; }
.bar.unknown .bar-label { min-width: 0; }
.controls { display: flex; gap: 6px; justify-content: flex-end; white-space: nowrap; flex-wrap: wrap; }
.button { font: inherit; font-weight: 600; border: 1px solid var(--line); background: var(--card);
  color: var(--text); border-radius: 6px; padding: 6px 14px; cursor: pointer; }
.button:hover { border-color: var(--muted); }
.button.small { padding: 3px 10px; font-size: 12.5px; }
.button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.button.danger { color: var(--bad); }
.button.danger:hover { border-color: var(--bad); }
#confirm .button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
.button:disabled { opacity: .6; cursor: wait; }
.run-head { display: flex; justify-content: space-between; align-items: flex-start; margin-bottom: 16px; }
.head-line { display: flex; gap: 8px; align-items: center; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 14px 20px;
  margin: 16px 0 0; }
.figures dt { color: var(--muted); font-size: 12px; }
.figures dd { margin: 2px 0 0; font-size: 16px; font-weight: 600; font-variant-numeric: tabular-nums; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
pre.json { margin: 0; padding: 12px; background: var(--bg); border-radius: 6px; overflow: auto;
  max-height: 320px; white-space: pre-wrap; word-break: break-word; }
.error-card pre { color: var(--bad); }
.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .axis { fill: var(--muted); font-size: 10px; }
.chart-line { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
.chart-area { fill: var(--accent-soft); opacity: .8; }
.chart-dot { fill: var(--accent); }
.events td { padding: 6px 10px; }
.events td.nowrap { width: 1%; padding-right: 32px; }
.events td:nth-child(2) { width: 1%; white-space: nowrap; padding-right: 32px; }
ol.log { margin: 0; padding-left: 3em; max-height: 320px; overflow: auto; }
ul.plain { margin: 0; padding-left: 1.2em; }
.count { margin: -6px 0 0 4px; }
dialog { border: 1px solid var(--line); border-radius: 12px; padding: 24px; width: min(480px, 92vw);
  background: var(--card); color: var(--text); box-shadow: 0 20px 50px rgba(16, 24, 40, .25); }
dialog::backdrop { background: rgba(16, 24, 40, .45); }
dialog h2 { font-size: 17px; }
dialog p { margin: 0 0 16px; }
.field { display: block; margin-bottom: 14px; font-weight: 600; }
.field input { display: block; width: 100%; margin-top: 6px; font-weight: 400; }
.field[hidden] { display: none; }
.error { color: var(--bad); background: var(--bad-soft); padding: 8px 10px; border-radius: 6px; }
.actions { display: flex; justify-content: flex-end; gap: 8px; }
#toast { position: fixed; right: 24px; bottom: 24px; background: var(--text); color: var(--card);
  padding: 10px 16px; border-radius: 8px; box-shadow: 0 8px 24px rgba(16, 24, 40, .25); }
#toast.bad { background: var(--bad); color: #fff; }
`;
