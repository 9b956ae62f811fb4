import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { UserRef } from '../../../src/client/index.js';
import { onlineCount, type Chat, type ModerationVerb } from '../chat.js';
import { Avatar } from './avatar.js';
import { CloseIcon } from './icons.js';

const moderationLabels: Record<ModerationVerb, string> = { kick: 'Kick', ban: 'Ban', mute: 'Mute 5 min' };

export function Members({ chat, onClose }: { chat: Chat; onClose: () => void }): JSX.Element {
  const view = chat.view(chat.active);
  const me = chat.me?.id;
  const room = chat.active;
  const moderates = chat.moderates(room);
  const isDm = view?.access?.dm === true;
  const members = [...(view?.members.values() ?? [])].sort((a, b) =>
    a.id === me ? -1 : b.id === me ? 1 : a.name.localeCompare(b.name),
  );
  const act = (verb: ModerationVerb, user: UserRef): void => {
    chat.moderate(verb, room, user).catch(() => undefined);
  };
  return (
    <aside class="members" aria-label="Members">
      <div class="members-header">
        <h2>
          Online <span class="count">{view === undefined ? 0 : onlineCount(view)}</span>
        </h2>
        <button type="button" class="icon-button members-close" aria-label="Close members" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <ul class="member-list" data-testid="members">
        {members.map((member) => (
          <li key={member.id} class="member" data-user={member.id}>
            <span class="member-avatar">
              <Avatar user={member} size="sm" />
              <span class="presence-dot" aria-hidden="true" />
            </span>
            <span class="member-name">{member.name}</span>
            {member.id === me && <span class="member-you">you</span>}
            {member.id !== me && (
              <span class="member-actions">
                {!isDm && (
                  <button
                    type="button"
                    class="chip-button"
                    aria-label={`Message ${member.name} directly`}
                    onClick={() => void chat.openDm(member).catch(() => undefined)}
                  >
                    Message
                  </button>
                )}
                {moderates &&
                  !isDm &&
                  (['mute', 'kick', 'ban'] as const).map((verb) => (
                    <button
                      key={verb}
                      type="button"
                      class={`chip-button${verb === 'ban' ? ' chip-danger' : ''}`}
                      aria-label={`${moderationLabels[verb]} ${member.name}`}
                      onClick={() => act(verb, member)}
                    >
                      {moderationLabels[verb]}
                    </button>
                  ))}
              </span>
            )}
          </li>
        ))}
      </ul>
      {view !== undefined && view.online > members.length && (
        <p class="members-more" data-testid="members-more">
          and {(view.online - members.length).toLocaleString()} more
        </p>
      )}
      {moderates && !isDm && <TopicForm key={room} chat={chat} room={room} current={view?.access?.topic ?? ''} />}
      {moderates && !isDm && <InviteForm chat={chat} room={room} />}
    </aside>
  );
}

/** Owners and moderators set the line shown under the room's name (empty clears it). */
function TopicForm({ chat, room, current }: { chat: Chat; room: string; current: string }): JSX.Element {
  const [draft, setDraft] = useState(current);
  const submit = (event: Event): void => {
    event.preventDefault();
    chat.setTopic(room, draft.trim()).catch(() => undefined);
  };
  return (
    <form class="topic-form" onSubmit={submit}>
      <label for="topic-text" class="field-label">
        Topic of #{room}
      </label>
      <div class="room-form-row">
        <input
          id="topic-text"
          class="field field-sm"
          maxLength={200}
          placeholder="What is this room about?"
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <button type="submit" class="button button-sm">
          Set
        </button>
      </div>
    </form>
  );
}

/** Invite someone seen in another room: what a private room needs before they can join. */
function InviteForm({ chat, room }: { chat: Chat; room: string }): JSX.Element | null {
  const [choice, setChoice] = useState('');
  const here = chat.view(room)?.members;
  const candidates = chat.knownUsers().filter((user) => here?.has(user.id) !== true);
  if (candidates.length === 0) return null;
  const submit = (event: Event): void => {
    event.preventDefault();
    const user = candidates.find((candidate) => candidate.id === choice) ?? candidates[0];
    if (user !== undefined) chat.invite(room, user).catch(() => undefined);
  };
  return (
    <form class="invite-form" onSubmit={submit}>
      <label for="invite-user" class="field-label">
        Invite to #{room}
      </label>
      <div class="room-form-row">
        <select id="invite-user" class="field field-sm" value={choice} onChange={(event) => setChoice(event.currentTarget.value)}>
          {candidates.map((user) => (
            <option key={user.id} value={user.id}>
              {user.name}
            </option>
          ))}
        </select>
        <button type="submit" class="button button-sm">
          Invite
        </button>
      </div>
    </form>
  );
}
