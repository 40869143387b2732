/**
 * The same store with a few methods replaced (e.g. a quota check around an insert), every other member
 * delegated unchanged: the service that receives it cannot tell, and methods added to the store later
 * pass through without this file changing.
 */
export function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return (overrides as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
