/**
 * "Now" for triggers: the real time, as in Azure (a timer's scheduleStatus.lastUpdated is the previous run, not now).
 * A local host running an accelerated clock publishes it under this well-known symbol, so that locally the app sees
 * the same time as the host's timers, durable timers and the AMS emulator. Nothing in Azure sets it.
 */
export const LOCAL_HOST_NOW = Symbol.for('azure-functions.local-host.now');

export function triggerNow(): number {
  const localNow = (globalThis as Record<symbol, unknown>)[LOCAL_HOST_NOW];
  return typeof localNow === 'function' ? Number(localNow()) : Date.now();
}
