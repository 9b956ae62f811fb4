// The server API acts on rooms as an operator: a key's own identity, `api:<key id>`, which stands as
// an owner in every room (it reads private rooms, moderates, creates rooms for others). No client
// can be given such an id: guests are `g_…`, accounts `u_…`, external users `ext:…`, bots `bot:…`.
import type { UserRef } from '../../protocol/messages.js';
import type { Standing } from '../store/membership-store.js';

const OPERATOR_PREFIX = 'api:';

export function apiOperator(keyId: string, keyName: string): UserRef {
  return { id: `${OPERATOR_PREFIX}${keyId}`, name: keyName };
}

export function isOperator(user: UserRef): boolean {
  return user.id.startsWith(OPERATOR_PREFIX);
}

/** Where an operator stands in any room: an owner, never banned or muted. */
export const OPERATOR_STANDING: Readonly<Standing> = { role: 'owner', banned: false, mutedUntil: 0 };
