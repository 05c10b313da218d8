import type { LockoutCounter } from '../auth/logon-lockout.js';
import type { Channel } from '../io/channel.js';
import { OPS } from './protocol.js';

/** A worker's logon lockout: the primary counts failures over every worker (one round trip per logon). */
export class SharedLockout implements LockoutCounter {
  constructor(private readonly channel: Channel) {}

  locked(user: string, address: string, now: number): Promise<boolean> {
    return this.channel.request(OPS.lockoutLocked, [user, address, now]);
  }

  async failed(user: string, address: string, now: number): Promise<void> {
    await this.channel.request(OPS.lockoutFailed, [user, address, now]);
  }

  async succeeded(user: string, address: string): Promise<void> {
    await this.channel.request(OPS.lockoutSucceeded, [user, address]);
  }
}
