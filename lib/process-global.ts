/**
 * One value per process, shared by every bundle. Next bundles instrumentation (where the
 * background loops run) and route handlers separately, so a module-level object would exist
 * once per bundle and the health route would read a copy nobody updates.
 */
export function processGlobal<T>(key: string, make: () => T): T {
  const store = globalThis as unknown as Record<string, T | undefined>;
  const name = `__paydesk_${key}`;
  let value = store[name];
  if (value === undefined) {
    value = make();
    store[name] = value;
  }
  return value;
}
