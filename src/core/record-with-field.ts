/**
 * A copy of a record with one field set, keeping lazy getters lazy: a snapshot record's `config` is a
 * getter that fetches and decrypts the sealed configuration only when read (store/row-mapping.ts). A
 * spread (`{ ...record }`) would call it: costly on every listed row, and an error once the row is gone
 * (a deleted snapshot).
 */
export function withField<T extends object, K extends string, V>(record: T, key: K, value: V): T & Record<K, V> {
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(record)) {
    const descriptor = Object.getOwnPropertyDescriptor(record, name);
    if (descriptor === undefined) continue;
    if (descriptor.get === undefined) copy[name] = descriptor.value;
    else Object.defineProperty(copy, name, descriptor);
  }
  copy[key] = value;
  return copy as T & Record<K, V>;
}
