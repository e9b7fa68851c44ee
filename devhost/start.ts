/**
 * `npm start`: runs the unchanged app on the embedded defaults — the AMS emulator over HTTPS and the
 * local Functions + Durable host with SQLite history — both under `.data/`, so a restart resumes.
 *
 * Set AMS_ARM_ENDPOINT (and credentials) in the environment or local.settings.json to use a real
 * account instead of the emulator. DEVHOST_CLOCK_SPEED > 1 runs host and emulator on a faster clock.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaledClock, systemClock, type Clock } from '../clock/clock.js';
import { startHost } from './host.js';
import { startLocalStack } from './localStack.js';
import { HostLog, logFunctionExecutions, logModeFrom, setHostLog, wantsColour } from './log.js';

const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = join(appRoot, '.data');

/** Values from local.settings.json (the Functions convention), overridden by the process environment. */
function readSettings(): Record<string, string> {
  const file = join(appRoot, 'local.settings.json');
  const fromFile = existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> }).Values ?? {})
    : {};
  const fromEnv = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { ...fromFile, ...fromEnv };
}

function clockFrom(settings: Record<string, string>): Clock {
  const speed = Number(settings.DEVHOST_CLOCK_SPEED ?? '1');
  if (!(speed >= 1)) throw new Error(`DEVHOST_CLOCK_SPEED must be a number >= 1, got "${settings.DEVHOST_CLOCK_SPEED}"`);
  return speed === 1 ? systemClock : scaledClock({ speed });
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const settings = readSettings();
  const clock = clockFrom(settings);
  const log = new HostLog({ mode: logModeFrom(settings), clock, color: wantsColour() });
  setHostLog(log);
  logFunctionExecutions(log);
  const useEmulator = !settings.AMS_ARM_ENDPOINT;

  const hostPort = Number(settings.DEVHOST_PORT ?? '7071');
  const stack = useEmulator
    ? await startLocalStack({
        appRoot,
        clock,
        dataDir,
        hostPort,
        emulatorPort: Number(settings.AMS_EMULATOR_PORT ?? '7443'),
        timings: settings.AMS_EMULATOR_TIMINGS === 'fast' ? 'fast' : 'realistic',
        settings,
      })
    : { host: await startHost({ appRoot, clock, dbFile: join(dataDir, 'devhost.db'), port: hostPort, settings }), emulator: undefined };
  const { host, emulator } = stack;

  log.info(`Functions host:  ${host.url}/api/broadcasts  (OpenAPI: ${host.url}/api/openapi.json)`);
  log.info(`Dashboard:       ${host.url}/api/dashboard?code=${host.functionKey}`);
  log.info(`Durable API:     ${host.url}/runtime/webhooks/durabletask/instances`);
  if (emulator) log.info(`AMS emulator:    ${emulator.url}  (state: ${emulator.url}/_emulator/live-events)`);
  if (clock !== systemClock && emulator) log.info(`Clock:           ${settings.DEVHOST_CLOCK_SPEED}x faster than the wall clock; schedule against ${emulator.url}/_emulator/clock`);
  log.info('Press Ctrl+C to stop; state is kept in .data/ and resumes on the next start.');

  const stop = async () => {
    await host.close();
    await emulator?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
