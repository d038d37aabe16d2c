/** Styles of the workbench's Announcements page (`<cs-announcements>`). */
import { css } from 'lit';

export const announcementsStyles = css`
  :host { display: block; min-height: 100vh; background: #f6f7fb; color: #1f2937; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; --cs-accent: #4f46e5; }
  * { box-sizing: border-box; }
  .bar { display: flex; align-items: center; gap: 12px; padding: 10px 20px; background: #fff; border-bottom: 1px solid #e5e7eb; position: sticky; top: 0; z-index: 1; }
  .bar h1 { margin: 0; font-size: 18px; }
  .back { color: #4f46e5; text-decoration: none; font-weight: 600; }
  .spacer { flex: 1; }
  button { font: inherit; padding: 7px 14px; border-radius: 8px; border: 1px solid #d1d5db; background: #fff; color: inherit; cursor: pointer; }
  button.primary { background: #4f46e5; border-color: #4f46e5; color: #fff; font-weight: 600; }
  button.danger { color: #b91c1c; border-color: #fca5a5; }
  button:disabled { opacity: 0.55; cursor: default; }
  button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible { outline: 2px solid #4f46e5; outline-offset: 1px; }
  .cols { display: grid; grid-template-columns: minmax(260px, 340px) 1fr; gap: 16px; padding: 16px 20px; align-items: start; }
  .list ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
  .row { width: 100%; display: grid; grid-template-columns: 1fr auto; gap: 4px 8px; text-align: start; padding: 10px 12px; border-radius: 10px; border: 1px solid #e5e7eb; background: #fff; }
  .row.on { border-color: #4f46e5; box-shadow: 0 0 0 2px #4f46e533; }
  .row .title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .row .stats { grid-column: 1 / -1; color: #4b5563; font-size: 12px; }
  .state { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; padding: 2px 8px; border-radius: 999px; background: #e5e7eb; color: #374151; align-self: center; }
  .state.prerelease { background: #fef3c7; color: #92400e; }
  .state.published { background: #dcfce7; color: #166534; }
  .state.stopped { background: #e0e7ff; color: #3730a3; }
  .state.recalled { background: #fee2e2; color: #991b1b; }
  .editor { background: #fff; border: 1px solid #e5e7eb; border-radius: 12px; padding: 16px 18px; }
  .head { display: flex; align-items: center; gap: 10px; }
  .head h2 { margin: 0; font-size: 17px; }
  .counters { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0 0; }
  .counters div { padding: 6px 12px; border-radius: 10px; background: #f3f4f6; min-width: 88px; }
  .counters dt { font-size: 11px; text-transform: uppercase; color: #4b5563; letter-spacing: 0.04em; }
  .counters dd { margin: 0; font-size: 20px; font-weight: 700; }
  .split { display: grid; grid-template-columns: 1fr 300px; gap: 18px; margin-top: 14px; }
  form { display: grid; gap: 10px; }
  label { display: grid; gap: 4px; font-weight: 600; font-size: 13px; }
  input, textarea, select { font: inherit; font-weight: 400; padding: 7px 9px; border: 1px solid #d1d5db; border-radius: 8px; background: #fff; color: inherit; width: 100%; }
  textarea { resize: vertical; }
  .two { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
  fieldset { border: 1px solid #e5e7eb; border-radius: 10px; padding: 8px 12px 12px; display: grid; gap: 10px; margin: 0; }
  legend { font-weight: 700; padding: 0 4px; }
  fieldset:disabled { opacity: 0.6; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; }
  .preview h3 { margin: 0 0 8px; font-size: 13px; color: #4b5563; text-transform: uppercase; letter-spacing: 0.04em; }
  .phone { border: 1px solid #e5e7eb; border-radius: 14px; padding: 2px 0 12px; background: #fff; box-shadow: 0 6px 20px #0f172a14; }
  .phone.small { margin-top: 12px; padding: 10px; background: #eef0f6; }
  .error { margin: 10px 0 0; padding: 8px 12px; border-radius: 8px; background: #fee2e2; color: #991b1b; }
  .notice { margin: 10px 0 0; padding: 8px 12px; border-radius: 8px; background: #dcfce7; color: #166534; }
  .muted { color: #4b5563; }
  .token { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 16px 20px 0; padding: 12px 14px; border-radius: 10px; background: #fff7ed; border: 1px solid #fed7aa; }
  .token input { width: 280px; }
  @media (max-width: 900px) {
    .cols { grid-template-columns: 1fr; padding: 12px; }
    .split { grid-template-columns: 1fr; }
  }
  @media (max-width: 480px) {
    .two { grid-template-columns: 1fr; }
    .bar { padding: 10px 12px; flex-wrap: wrap; }
  }
`;
