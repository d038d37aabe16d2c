/**
 * The workbench's visitor avatars (issue 12): initials in any script
 * (Chinese names show the given name, characters outside the BMP are never
 * cut in half) and text that reads at 4.5:1 (WCAG AA) on the avatar's
 * background for every one of the 360 hues an id can map to — so the
 * accessibility checks of the end-to-end suites cannot pass or fail by the
 * luck of a random visitor id.
 */
import { render } from 'lit';
import { cs } from '../../proto/gen/chat.js';
import type { ConversationInfo } from '../../widget/src/core/types.js';
import { avatar, avatarHue, initials } from '../../widget/src/elements/inbox-views.js';
import { textOn } from '../../widget/src/elements/initials.js';
import { inboxListStyles } from '../../widget/src/elements/inbox-list-styles.js';
import { assert, assertEqual } from './helpers.js';

const info = (fields: Partial<ConversationInfo>): ConversationInfo => ({
  id: 'c', epoch: 'e', lastSeq: 1, site: 's', topic: '', visitorId: 'v_1', status: cs.v1.ConversationStatus.OPEN, assigneeId: '', visitorUserId: '',
  visitorName: '', visitorEmail: '', visitorOnline: false, visitorPageUrl: '', visitorPageTitle: '', platform: 'web',
  appVersion: '', createdMs: 0, lastActivityMs: 0, preview: '', previewSenderId: '', previewSenderRole: 0, previewNote: false, unread: 0, contactEmail: '', willEmail: false, ...fields,
});

/** WCAG relative luminance of `rgb(r, g, b)`. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('avatar initials', () => {
  it('takes the first letters of the first and last word', () => {
    assertEqual(initials('Ada Lovelace'), 'AL', 'two words');
    assertEqual(initials('ada'), 'A', 'one word, upper case');
    assertEqual(initials('  Jean-Luc  Picard '), 'JP', 'hyphen and spaces');
    assertEqual(initials('alice@shop.example'), 'AE', 'an email label');
    assertEqual(initials('Visitor 7F3A'), 'V7', 'the anonymous label');
    assertEqual(initials('Émile Zola'), 'ÉZ', 'accents');
    assertEqual(initials('🌸 Lily'), 'L', 'an emoji is not a letter');
    assertEqual(initials(''), '?', 'nothing to show');
  });

  it('shows a Chinese name by its given name, and never splits a character', () => {
    assertEqual(initials('王小明'), '小明', 'three characters: the given name');
    assertEqual(initials('张三'), '张三', 'two characters: the whole name');
    assertEqual(initials('王'), '王', 'one character');
    assertEqual(initials('欧阳 娜娜'), '娜娜', 'spaced');
    assertEqual(initials('𠮷田'), '𠮷田', 'a character outside the BMP stays whole');
    assertEqual(initials('𠮷野 Ken'), '𠮷K', 'mixed scripts: word initials, whole code points');
    assertEqual(initials('访客 7F3A'), '访7', 'the Chinese anonymous label keeps its distinguishing part');
    for (const name of ['王小明', '𠮷田', '𠮷野 Ken']) {
      assert(![...initials(name)].some((c) => /[\uD800-\uDFFF]/u.test(c)), `no lone surrogate in the initials of ${name}`);
    }
  });

  it('renders them in the avatar', () => {
    const host = document.createElement('div');
    render(avatar(info({ visitorName: '王小明' })), host);
    assertEqual(host.querySelector('.avatar')?.textContent?.trim(), '小明', 'the rendered initials');
  });
});

describe('avatar colours', () => {
  it('reads at 4.5:1 or more on its background for every hue an id can get', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [inboxListStyles.styleSheet!];
    render(avatar(info({ visitorName: 'Ada Lovelace' })), root);
    const el = root.querySelector<HTMLElement>('.avatar')!;
    let worst = { hue: -1, ratio: Infinity };
    for (let hue = 0; hue < 360; hue++) {
      el.style.setProperty('--hue', String(hue));
      const style = getComputedStyle(el);
      const ratio = contrast(style.color, style.backgroundColor);
      if (ratio < worst.ratio) worst = { hue, ratio };
    }
    host.remove();
    assert(worst.ratio >= 4.5, `hue ${worst.hue} has ${worst.ratio.toFixed(2)}:1`);
    assert(avatarHue('any id') >= 0 && avatarHue('any id') < 360, 'ids map into 0..359');
  });

  it('an account colour of any choice gets initials at 4.5:1 or more (white or black)', () => {
    const hex = (n: number): string => `#${n.toString(16).padStart(6, '0')}`;
    let worst = { color: '', ratio: Infinity };
    // Every 12-bit colour, spread over the 24-bit space, plus the colours new accounts get in turn (server/src/accounts/accounts.ts).
    const colors = ['#2563eb', '#7c3aed', '#db2777', '#ea580c', '#16a34a', '#0891b2', '#4f46e5', '#b45309'];
    for (let i = 0; i < 4096; i++) colors.push(hex(((i >> 8) & 15) * 0x110000 + ((i >> 4) & 15) * 0x1100 + (i & 15) * 0x11));
    for (const color of colors) {
      const n = Number.parseInt(color.slice(1), 16);
      const ratio = contrast(`rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`, textOn(color) === '#ffffff' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)');
      if (ratio < worst.ratio) worst = { color, ratio };
    }
    assert(worst.ratio >= 4.5, `${worst.color} has ${worst.ratio.toFixed(2)}:1`);
    assertEqual(textOn('#16a34a'), '#000000', 'the green new accounts may get reads in black');
    assertEqual(textOn('#4f46e5'), '#ffffff', 'indigo in white');
  });
});
