// Lists kept under keys in a Map: the checker groups objects, findings and index entries this way.

/** Appends `value` to the list under `key`, starting the list on the first value. */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value); else map.set(key, [value]);
}
