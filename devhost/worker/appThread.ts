/**
 * The worker side of threadedApp.ts, run in the app's own thread: loads the app as the Node worker does,
 * follows the host's clock, and answers invocations one message each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { linearClock, systemClock } from '../../clock/clock.js';
import { HostLog, logFunctionExecutions, logModeFrom, setHostLog } from '../log.js';
import { loadFunctionApp } from './functionApp.js';
import { toThreadError, type AppThreadData, type FromAppThread, type ToAppThread } from './threadedApp.js';

const data = workerData as AppThreadData;
const port = parentPort;
if (!port) throw new Error('appThread.js runs in a worker thread started by threadedApp.ts.');
const send = (message: FromAppThread) => port.postMessage(message);

const clock = data.clock === 'system' ? systemClock : linearClock(data.clock);
// The host's clock, under the name the app's triggers read it by (functions/triggerClock.ts), as the inline host sets it.
(globalThis as Record<symbol, unknown>)[Symbol.for('azure-functions.local-host.now')] = () => clock.now();

try {
  const app = await loadFunctionApp({ appRoot: data.appRoot, entry: data.entry, settings: data.settings });
  const log = new HostLog({ mode: () => logModeFrom(process.env), clock, color: data.color });
  setHostLog(log);
  if (data.logExecutions) logFunctionExecutions(log);
  port.on('message', (message: ToAppThread) => {
    const work = message.kind === 'terminate' ? app.runHooks('appTerminate', {}).then(() => undefined) : app.invoke(message.name, message.input);
    work
      .then((result) => send({ id: message.id, kind: 'done', result }))
      // A failed function, or a result that cannot be sent (not plain data): the host sees the call fail.
      .catch((error: unknown) => send({ id: message.id, kind: 'failed', error: toThreadError(error) }));
  });
  send({ kind: 'ready', functions: app.functions });
} catch (error) {
  send({ kind: 'failedToLoad', error: toThreadError(error) });
}
