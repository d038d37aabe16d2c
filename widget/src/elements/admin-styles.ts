/**
 * Styles of the workbench's admin pages (`<cs-admin>` and its pages: team,
 * profile, settings, canned replies). The same look as the Announcements
 * page: white cards on the workbench's grey, the accent for primary actions.
 * Lengths in px; inputs 16 px on phones (no iOS zoom).
 */
import { css } from 'lit';

export const adminStyles = css`
  :host { display: block; color: #1f2937; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'PingFang SC', 'Microsoft YaHei', sans-serif; }
  * { box-sizing: border-box; }
  h1, h2, h3, p, ul { margin: 0; }
  ul { padding: 0; list-style: none; }
  a { color: #4338ca; }
  .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 12px; padding: 16px 18px; display: grid; gap: 12px; align-content: start; min-width: 0; }
  .card h2 { font-size: 16px; }
  .hint { color: #4b5563; font-size: 13px; }
  button { font: inherit; font-weight: 600; padding: 7px 14px; border-radius: 8px; border: 1px solid #d1d5db; background: #fff; color: inherit; cursor: pointer; }
  button:hover { background: #f3f4f6; }
  button.primary { background: #4f46e5; border-color: #4f46e5; color: #fff; }
  button.primary:hover { background: #4338ca; }
  button.danger { color: #b91c1c; border-color: #fca5a5; }
  button.small { padding: 4px 10px; font-size: 13px; }
  button:disabled { opacity: 0.55; cursor: default; }
  button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible, a:focus-visible { outline: 2px solid #4f46e5; outline-offset: 1px; }
  form { display: grid; gap: 10px; }
  label { display: grid; gap: 4px; font-weight: 600; font-size: 13px; }
  label.inline { display: flex; align-items: center; gap: 8px; font-weight: 400; }
  input, textarea, select { font: inherit; font-weight: 400; padding: 7px 9px; border: 1px solid #d1d5db; border-radius: 8px; background: #fff; color: inherit; width: 100%; min-width: 0; }
  input[type='checkbox'], input[type='radio'] { width: auto; }
  input[type='color'] { width: 44px; height: 36px; padding: 2px; flex: none; }
  textarea { resize: vertical; }
  .two { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; align-items: start; }
  .row { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; }
  .row > input:not([type='color']) { flex: 1; width: auto; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
  .error { padding: 8px 12px; border-radius: 8px; background: #fee2e2; color: #991b1b; }
  .ok { padding: 8px 12px; border-radius: 8px; background: #dcfce7; color: #166534; }
  .warn { padding: 8px 12px; border-radius: 8px; background: #fef3c7; color: #92400e; }
  .muted { color: #4b5563; font-size: 13px; }
  .badge { font-size: 11px; font-weight: 700; padding: 2px 8px; border-radius: 999px; background: #e5e7eb; color: #374151; white-space: nowrap; }
  .badge.owner { background: #ede9fe; color: #5b21b6; }
  .badge.admin { background: #e0e7ff; color: #3730a3; }
  .badge.off { background: #fee2e2; color: #991b1b; }
  .avatar { display: grid; place-items: center; width: 34px; height: 34px; border-radius: 50%; color: #fff; font-weight: 700; flex: none; position: relative; }
  .avatar .dot { position: absolute; right: -1px; bottom: -1px; width: 11px; height: 11px; border-radius: 50%; border: 2px solid #fff; background: #9ca3af; }
  .avatar .dot.on { background: #16a34a; }
  .list { display: grid; gap: 0; }
  .list > li { display: flex; align-items: center; gap: 12px; padding: 10px 0; border-top: 1px solid #f0f1f4; flex-wrap: wrap; }
  .list > li:first-child { border-top: 0; }
  .who { flex: 1 1 200px; min-width: 0; display: grid; }
  .who b { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .who span { color: #4b5563; font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .state { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
  .link-box { display: flex; gap: 8px; }
  .link-box button { white-space: nowrap; }
  .link-box input { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
  @media (max-width: 560px) {
    .two { grid-template-columns: 1fr; }
    input, textarea, select { font-size: 16px; }
    .card { padding: 14px; }
  }
`;

/** The shell: the bar, the page navigation and the page area. */
export const adminShellStyles = css`
  :host { min-height: 100vh; background: #f6f7fb; }
  .bar { display: flex; align-items: center; gap: 12px; padding: 10px 20px; background: #fff; border-bottom: 1px solid #e5e7eb; position: sticky; top: 0; z-index: 1; }
  .bar h1 { font-size: 18px; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .bar a { white-space: nowrap; }
  .back { color: #4338ca; text-decoration: none; font-weight: 600; }
  .spacer { flex: 1; }
  .layout { display: grid; grid-template-columns: 210px minmax(0, 1fr); gap: 16px; padding: 16px 20px; align-items: start; max-width: 1240px; }
  .layout > * { min-width: 0; }
  nav ul { display: grid; gap: 2px; }
  nav a { display: block; padding: 8px 12px; border-radius: 8px; color: #374151; text-decoration: none; font-weight: 600; }
  nav a:hover { background: #eef0f6; }
  nav a[aria-current='page'] { background: #e0e7ff; color: #3730a3; }
  .center { display: grid; place-items: center; gap: 12px; padding: 60px 20px; text-align: center; }
  @media (max-width: 760px) {
    .bar { padding: 10px 12px; }
    .layout { grid-template-columns: 1fr; padding: 10px 12px; gap: 10px; }
    /* Every page one tap away and none cut off: a two-column grid of tabs, not a strip that scrolls sideways. */
    nav ul { grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 4px; }
    nav a { padding: 10px 12px; text-align: center; background: #fff; border: 1px solid #e5e7eb; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    nav a[aria-current='page'] { border-color: #c7d2fe; }
  }
`;
