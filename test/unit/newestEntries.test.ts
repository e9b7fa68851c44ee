// setNewest keeps a Map's newest entries: a key set again becomes the newest, the oldest go past the limit.
import { describe, expect, it } from 'vitest';
import { setNewest } from '../../domain/newestEntries.js';

describe('setNewest', () => {
  it('moves a key set again to the newest place and drops the oldest past the limit', () => {
    const map = new Map<string, number>();
    for (const [key, value] of [['a', 1], ['b', 2], ['c', 3]] as const) setNewest(map, key, value, 3);
    setNewest(map, 'a', 10, 3); // now the newest: 'b' is the oldest
    setNewest(map, 'd', 4, 3);
    expect([...map]).toEqual([['c', 3], ['a', 10], ['d', 4]]);
  });
});
