// ChatPart: what each part of the chat service (moderation, room lifecycle, message changes,
// threads) is built on: its own narrow dependencies, the room checks every verb starts with, and
// the effects every verb ends with (a request's store failures, publishing, the audit, the clock).
import type { RoomChecks } from './room-checks.js';
import type { ChatEffects } from './effects.js';

export abstract class ChatPart<Deps> {
  protected readonly deps: Deps;
  protected readonly checks: RoomChecks;
  protected readonly fx: ChatEffects;

  constructor(deps: Deps, checks: RoomChecks, fx: ChatEffects) {
    this.deps = deps;
    this.checks = checks;
    this.fx = fx;
  }
}
