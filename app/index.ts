// Composition root: the module the Functions worker loads (package.json#main). It only registers functions;
// each feature owns its registration module so features stay independent.
import { registerBroadcastApiFunctions } from './registerBroadcastApi.js';
import { registerBroadcastFunctions } from './registerBroadcasts.js';
import { registerDashboardFunctions } from './registerDashboard.js';
import { registerIntegrationFunctions } from './registerIntegrations.js';
import { registerMediaEventFunctions } from './registerMediaEvents.js';

registerBroadcastFunctions();
registerBroadcastApiFunctions();
registerIntegrationFunctions();
registerDashboardFunctions();
registerMediaEventFunctions();
