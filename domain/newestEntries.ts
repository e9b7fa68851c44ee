/** Bounded maps that keep their newest entries (a Map iterates in insertion order: the first entry is the oldest). */

/** Puts `key` as the newest entry of `map` (moving it if present) and drops the oldest entries past `limit`. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > limit) map.delete(map.keys().next().value as K);
}
