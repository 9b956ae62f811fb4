import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { UserRef } from '../../../src/client/index.js';
import { sameItems, shallowEqual, useApp, useRoom, useStore } from '../hooks.js';
import { knownUsers, moderates as moderatesIn, nameTags } from '../state/app.js';
import { onlineCount } from '../state/room.js';
import type { ModerationVerb } from '../store/chat-store.js';
import { Avatar } from './avatar.js';
import { CloseIcon } from './icons.js';

const moderationLabels: Record<ModerationVerb, string> = { kick: 'Kick', ban: 'Ban', mute: 'Mute 5 min' };

export function Members({ room, onClose }: { room: string; onClose: () => void }): JSX.Element {
  const store = useStore();
  const view = useRoom(room, (state) => state && { members: state.members, online: state.online, access: state.access }, shallowEqual);
  const me = useApp((state) => state.me?.id);
  const moderates = useApp((state) => moderatesIn(state, room));
  const isDm = view?.access?.dm === true;
  const members = [...(view?.members.values() ?? [])].sort((a, b) => (a.id === me ? -1 : b.id === me ? 1 : a.name.localeCompare(b.name)));
  const tags = nameTags(members);
  const act = (verb: ModerationVerb, user: UserRef): void => {
    store.moderate(verb, room, user).catch(() => undefined);
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
            {member.id === me || isDm ? (
              <span class="member-name">{member.name}</span>
            ) : (
              // The name opens a DM: one line per person, not a "Message" pill under every name.
              <button
                type="button"
                class="member-name member-dm"
                aria-label={`Message ${member.name} directly`}
                title={`Message ${member.name} directly`}
                onClick={() => void store.openDm(member).catch(() => undefined)}
              >
                {member.name}
              </button>
            )}
            {tags.has(member.id) && (
              <span class="member-tag" data-testid="name-tag" title="Another user here has the same name">
                {tags.get(member.id)}
              </span>
            )}
            {member.id === me && <span class="member-you">you</span>}
            {member.id !== me && moderates && !isDm && (
              <span class="member-actions">
                {(['mute', 'kick', 'ban'] as const).map((verb) => (
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
      {moderates && !isDm && <TopicForm key={room} room={room} current={view?.access?.topic ?? ''} />}
      {moderates && !isDm && <InviteForm room={room} members={view?.members} />}
      {view?.access?.role === 'owner' && !isDm && <OwnerTools room={room} archived={view.access.archived === true} />}
    </aside>
  );
}
Members.displayName = 'Members';

/** Owners and moderators set the line shown under the room's name (empty clears it). */
function TopicForm({ room, current }: { room: string; current: string }): JSX.Element {
  const store = useStore();
  const [draft, setDraft] = useState(current);
  const submit = (event: Event): void => {
    event.preventDefault();
    store.setTopic(room, draft.trim()).catch(() => undefined);
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

/** The owner archives (read-only, out of the directory) or deletes the room. */
function OwnerTools({ room, archived }: { room: string; archived: boolean }): JSX.Element {
  const store = useStore();
  const destroy = (): void => {
    if (!window.confirm(`Delete #${room} and all its messages for everyone? This cannot be undone.`)) return;
    store.destroy(room).catch(() => undefined);
  };
  return (
    <div class="owner-tools">
      <button type="button" class="button button-sm" onClick={() => void store.archive(room, !archived).catch(() => undefined)}>
        {archived ? 'Open the room again' : 'Archive room'}
      </button>
      <button type="button" class="button button-sm chip-danger" onClick={destroy}>
        Delete room
      </button>
    </div>
  );
}

/** Invite someone seen in another room: what a private room needs before they can join. */
function InviteForm({ room, members }: { room: string; members: ReadonlyMap<string, UserRef> | undefined }): JSX.Element | null {
  const store = useStore();
  const [choice, setChoice] = useState('');
  // What the list is made of (each room's members, the DM peers, me): sorting everyone again
  // happens only when one of them changed, not on every message.
  const sources = useApp((state) => [state.dmPeers, state.me, ...[...state.rooms.values()].map((view) => view.members)], sameItems);
  const known = useMemo(() => knownUsers(store.state), [store, sources]);
  const candidates = known.filter((user) => members?.has(user.id) !== true);
  if (candidates.length === 0) return null;
  const submit = (event: Event): void => {
    event.preventDefault();
    const user = candidates.find((candidate) => candidate.id === choice) ?? candidates[0];
    if (user !== undefined) store.invite(room, user).catch(() => undefined);
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
