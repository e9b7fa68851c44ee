/** Registers calendar sync, webhooks in and out, and the leak reaper (issue 5). */
export function registerIntegrationFunctions(): void {
  // Filled in by the calendar/webhooks/reaper work.
}
