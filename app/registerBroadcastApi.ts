/** Registers the broadcast HTTP API under /api/broadcasts and its OpenAPI document (issue 4). */
export function registerBroadcastApiFunctions(): void {
  // Filled in by the broadcast API work.
}
