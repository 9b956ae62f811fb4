import type { JSX } from 'preact';
import type { UserRef } from '../../../src/client/index.js';

const HUES = [12, 35, 90, 150, 190, 215, 250, 285, 320, 345];

/** A stable colour per user id, so people are recognisable at a glance. */
export function hueOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return HUES[hash % HUES.length] ?? 250;
}

const HUE_CLASSES = HUES.map((hue) => `hue-${hue}`);

export function hueClass(id: string): string {
  return HUE_CLASSES[HUES.indexOf(hueOf(id))] ?? 'hue-250';
}

export function Avatar({ user, size = 'md' }: { user: UserRef; size?: 'sm' | 'md' }): JSX.Element {
  const initial = [...user.name.trim()][0]?.toUpperCase() ?? '?';
  return (
    <span class={`avatar avatar-${size} ${hueClass(user.id)}`} aria-hidden="true">
      {initial}
    </span>
  );
}
