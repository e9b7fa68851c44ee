/** Chooses the dialect an emulator serves (see dialect.ts). */
import type { AccountIdentity } from '../mediaAccount.js';
import type { DialectHost, DialectInfo, DialectName, ServedDialect } from './dialect.js';
import { mkioDialect, mkioOptionKeys, type MkioOptions } from './mkio.js';
import { ravnurDialect, ravnurOptionKeys, type RavnurOptions } from './ravnur.js';

export type { DialectInfo, DialectName, ServedDialect } from './dialect.js';
export type { RavnurOptions } from './ravnur.js';
export type { MkioOptions } from './mkio.js';
export type DialectOptions = RavnurOptions | MkioOptions;

export interface CreatedDialect {
  info: DialectInfo;
  /** The account as the provider names it. */
  identity: AccountIdentity;
  /** Undefined for 'arm': the emulator's own ARM handling serves it unchanged. */
  served?: ServedDialect;
}

export function createDialect(name: DialectName, options: DialectOptions, identity: AccountIdentity, host: Pick<DialectHost, 'clock' | 'secret'>): CreatedDialect {
  const known: Record<string, true> = name === 'ravnur' ? ravnurOptionKeys : name === 'mkio' ? mkioOptionKeys : {};
  const unknown = Object.keys(options).filter((key) => !Object.hasOwn(known, key));
  if (unknown.length > 0) throw new Error(`dialectOptions.${unknown[0]} is not an option of the '${name}' dialect`);
  switch (name) {
    case 'arm':
      return { info: { name: 'arm' }, identity };
    case 'ravnur': {
      const served = ravnurDialect(identity, options as RavnurOptions, host);
      return { info: served.info, identity, served };
    }
    case 'mkio': {
      const served = mkioDialect(identity, options as MkioOptions, host);
      return { info: served.info, identity: served.identity, served };
    }
    default:
      throw new Error(`Unknown dialect '${String(name)}': use 'arm', 'ravnur' or 'mkio'.`);
  }
}
