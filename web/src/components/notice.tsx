// One line for the latest refusal or moderation news ("you are muted in #x", "not_member: …"),
// announced to screen readers and dismissed by a button or after a while.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../hooks.js';
import { CloseIcon } from './icons.js';

const SHOW_MS = 8000;

export function Notice(): JSX.Element | null {
  const notice = useApp((state) => state.notice);
  const [dismissed, setDismissed] = useState(0);
  const [, tick] = useState(0);
  useEffect(() => {
    if (notice === undefined) return;
    const timer = setTimeout(() => tick((n) => n + 1), SHOW_MS + 50);
    return () => clearTimeout(timer);
  }, [notice]);
  if (notice === undefined || notice.at === dismissed || Date.now() - notice.at > SHOW_MS) return null;
  return (
    <div class="banner banner-warn notice" role="status" data-testid="notice">
      <span>{notice.text}</span>
      <button type="button" class="icon-button" aria-label="Dismiss" onClick={() => setDismissed(notice.at)}>
        <CloseIcon />
      </button>
    </div>
  );
}
Notice.displayName = 'Notice';
