/** Registers the broadcast lifecycle orchestration and its media activities (issue 4). */
export function registerBroadcastFunctions(): void {
  // Filled in by the broadcast scheduling work.
}
