/** Registers the Event Grid trigger for AMS live event events (issue 12, part 5). */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createMediaEventHandler } from '../functions/mediaEvents.js';
import { loadConfig } from './config.js';

/** Function name, as the Event Grid subscription's webhook URL names it (`functionName=`). */
export const mediaEventFunction = 'receiveMediaEvent';

export function registerMediaEventFunctions(): void {
  const config = loadConfig();
  app.eventGrid(mediaEventFunction, { extraInputs: [df.input.durableClient()], handler: createMediaEventHandler({ accounts: config.api.accounts }) });
}
