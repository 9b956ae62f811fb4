import type { JSX } from 'preact';
import type { Chat } from '../chat.js';
import { Avatar } from './avatar.js';
import { CloseIcon } from './icons.js';

export function Members({ chat, onClose }: { chat: Chat; onClose(): void }): JSX.Element {
  const view = chat.view(chat.active);
  const me = chat.me?.id;
  const members = [...(view?.members.values() ?? [])].sort((a, b) =>
    a.id === me ? -1 : b.id === me ? 1 : a.name.localeCompare(b.name),
  );
  return (
    <aside class="members" aria-label="Members">
      <div class="members-header">
        <h2>
          Online <span class="count">{members.length}</span>
        </h2>
        <button type="button" class="icon-button members-close" aria-label="Close members" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <ul class="member-list" data-testid="members">
        {members.map((member) => (
          <li key={member.id} class="member">
            <span class="member-avatar">
              <Avatar user={member} size="sm" />
              <span class="presence-dot" aria-hidden="true" />
            </span>
            <span class="member-name">{member.name}</span>
            {member.id === me && <span class="member-you">you</span>}
          </li>
        ))}
      </ul>
    </aside>
  );
}
