// RoomQuota: how many rooms a user, and a client address, may create per hour. Rooms are never
// deleted and every `rooms` reply reads them, so creating them is bounded like any other resource.
// A creation is reserved before the store write and refunded when the write created nothing (the
// room existed, or the write failed), so concurrent joins of new names cannot overshoot the quota.
// The address quota is what holds against one client that makes a new guest user per room.
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { UserRef } from '../../protocol/messages.js';
import { KeyedQuota } from '../limits/keyed-quota.js';

/** Who creates a room: a user, from a client address. */
export interface Creator {
  readonly user: UserRef;
  readonly ip: string;
}

export interface RoomQuotaSpec {
  /** 0: no limit. */
  perUserPerHour: number;
  /** 0: no limit. */
  perIpPerHour: number;
}

export type RoomQuotaLimit = 'rooms_per_user' | 'rooms_per_ip';

export class RoomQuota {
  readonly #byUser: KeyedQuota | undefined;
  readonly #byIp: KeyedQuota | undefined;
  readonly #spec: RoomQuotaSpec;
  readonly #onRefused: (limit: RoomQuotaLimit) => void;

  constructor(spec: RoomQuotaSpec, onRefused: (limit: RoomQuotaLimit) => void = () => undefined) {
    this.#spec = spec;
    this.#byUser = spec.perUserPerHour > 0 ? new KeyedQuota(spec.perUserPerHour) : undefined;
    this.#byIp = spec.perIpPerHour > 0 ? new KeyedQuota(spec.perIpPerHour) : undefined;
    this.#onRefused = onRefused;
  }

  /**
   * Reserves one room creation for `creator`, or throws `room_quota` with `retryAfterMs`. The
   * returned function gives the reservation back; call it when no room was created.
   */
  reserve(creator: Creator): () => void {
    const now = performance.now();
    // The address first: a refusal there leaves no trace under the (maybe throwaway) user id.
    const ipWait = this.#byIp?.take(creator.ip, now) ?? 0;
    if (ipWait > 0) throw this.#refuse('rooms_per_ip', ipWait, `${this.#spec.perIpPerHour} rooms per hour from one address`);
    const userWait = this.#byUser?.take(creator.user.id, now) ?? 0;
    if (userWait > 0) {
      this.#byIp?.refund(creator.ip);
      throw this.#refuse('rooms_per_user', userWait, `${this.#spec.perUserPerHour} rooms per hour per user`);
    }
    let refunded = false;
    return () => {
      if (refunded) return;
      refunded = true;
      this.#byIp?.refund(creator.ip);
      this.#byUser?.refund(creator.user.id);
    };
  }

  #refuse(limit: RoomQuotaLimit, waitMs: number, bound: string): ProtocolError {
    this.#onRefused(limit);
    const error = new ProtocolError(
      ErrorCode.RoomQuota,
      `too many new rooms: at most ${bound}; join an existing room, or retry in ${Math.ceil(waitMs / 1000)} s`,
      'room',
    );
    error.retryAfterMs = waitMs;
    return error;
  }

  close(): void {
    this.#byUser?.close();
    this.#byIp?.close();
  }
}
