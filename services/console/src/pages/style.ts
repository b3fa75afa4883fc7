// The pages' one stylesheet, served from /static/console.css: the Content-Security-Policy allows
// styles from 'self' only (no inline style), and a string here is bundled with the service.
export const STYLESHEET_PATH = "/static/console.css";

export const STYLESHEET = `
:root { --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --bg: #fff; --soft: #f6f8fa;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --link: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .6rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header .brand { font-weight: 700; }
header nav a { margin-right: 1rem; text-decoration: none; }
header nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
header .actor { margin-left: auto; color: var(--muted); }
main { padding: 1rem 1.5rem 3rem; max-width: 90rem; }
h1 { font-size: 1.35rem; margin: .4rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
.banner-local { background: #fff8c5; border-bottom: 2px solid var(--warn); padding: .5rem 1.5rem; font-weight: 700; }
.flash { padding: .6rem .9rem; border-radius: 6px; margin: 0 0 1rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.flash-ok { background: #dafbe1; border: 1px solid var(--ok); }
.flash-refused { background: #ffebe9; border: 1px solid var(--bad); }
.problems { background: #ffebe9; border: 1px solid var(--bad); border-radius: 6px; padding: .6rem 1.8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.mono a { white-space: nowrap; }
td.time, td.nowrap { white-space: nowrap; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
pre { background: var(--soft); padding: .6rem; border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.state { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; border: 1px solid var(--line); white-space: nowrap; }
.state-done, .state-already-done, .state-approved, .state-sent { border-color: var(--ok); color: var(--ok); }
.state-failed, .state-refused, .state-denied, .state-abandoned { border-color: var(--bad); color: var(--bad); }
.state-awaiting-approval, .state-running, .state-releasing, .state-held-back { border-color: var(--warn); color: var(--warn); }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, textarea, button { font: inherit; }
input, select, textarea { padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
textarea { width: 100%; min-height: 2.4rem; }
button { padding: .3rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--soft); cursor: pointer; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
button.deny { background: var(--bad); border-color: var(--bad); color: #fff; }
form.decide { display: grid; gap: .4rem; min-width: 16rem; }
form.decide .buttons, form.extend { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.muted { color: var(--muted); }
.note { color: var(--muted); margin: .5rem 0; }
`;
