/**
 * `npm start`: runs the unchanged app on the embedded defaults — the AMS emulator over HTTPS and the
 * local Functions + Durable host with SQLite history — both under `.data/`, so a restart resumes.
 *
 * Set AMS_ARM_ENDPOINT (and credentials) in the environment or local.settings.json to use a real
 * account instead of the emulator. DEVHOST_CLOCK_SPEED > 1 runs host and emulator on a faster clock,
 * which continues across restarts (its reading is kept in .data/clock.json). Messages are delivered
 * with Azure Storage's queue latency unless DEVHOST_DELIVERY=instant. AMS_EMULATOR_MEDIA_PLANE=true adds the
 * emulator's real media plane (RTMP ingest on AMS_EMULATOR_RTMP_PORT, default 1935; needs ffmpeg).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../clock/clock.js';
import { resumableScaledClock } from '../clock/resumableClock.js';
import { pushCommand } from '../ams-emulator/index.js';
import { startHost } from './host.js';
import { defaultAppSettings, startLocalStack } from './localStack.js';
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

/** The wall clock, or an accelerated one that resumes where the last run left it (never rewinds). */
function clockFrom(settings: Record<string, string>): Clock & { stop?: () => void } {
  const speed = Number(settings.DEVHOST_CLOCK_SPEED ?? '1');
  if (!(speed >= 1)) throw new Error(`DEVHOST_CLOCK_SPEED must be a number >= 1, got "${settings.DEVHOST_CLOCK_SPEED}"`);
  const stateFile = join(dataDir, 'clock.json');
  // A clock that ran ahead must keep its lead even when the next run is at real speed.
  return speed === 1 && !existsSync(stateFile) ? systemClock : resumableScaledClock({ speed, stateFile });
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  // Azure Storage's queue latency by default: what the app will see when deployed.
  const settings: Record<string, string> = { DEVHOST_DELIVERY: 'azure-storage', ...readSettings() };
  const clock = clockFrom(settings);
  const log = new HostLog({ mode: logModeFrom(settings), clock, color: wantsColour() });
  setHostLog(log);
  // The app runs in a thread of its own, as in Azure's separate worker process (DEVHOST_WORKER=inline: in the host's).
  const worker = settings.DEVHOST_WORKER === 'inline' ? 'inline' : 'thread';
  if (worker === 'inline') logFunctionExecutions(log);
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
        worker,
        logExecutions: true,
        // One line per live broadcast whose ingest opens: how to push a test stream to it.
        mediaPlane: /^(1|true)$/i.test(settings.AMS_EMULATOR_MEDIA_PLANE ?? '')
          ? { rtmpPort: Number(settings.AMS_EMULATOR_RTMP_PORT ?? '1935'), onIngestUrl: (name, url) => log.info(`Push to ${name}:  ${pushCommand(url)}`) }
          : undefined,
      })
    : { host: await startHost({ appRoot, clock, dbFile: join(dataDir, 'devhost.db'), port: hostPort, worker, logExecutions: true, settings: { ...defaultAppSettings, ...settings } }), emulator: undefined };
  const { host, emulator } = stack;

  log.info(`Functions host:  ${host.url}/api/broadcasts  (OpenAPI: ${host.url}/api/openapi.json)`);
  log.info(`Dashboard:       ${host.url}/api/dashboard?code=${host.functionKey}`);
  log.info(`Function key:    ${host.functionKey}  (send as x-functions-key: … or ?code=…)`);
  log.info(`Durable API:     ${host.url}/runtime/webhooks/durabletask/instances?code=${host.systemKey}  (system key)`);
  log.info(`Delivery:        ${settings.DEVHOST_DELIVERY === 'instant' ? 'instant' : 'Azure Storage queue polling (DEVHOST_DELIVERY=instant to turn off)'}`);
  if (emulator) log.info(`AMS emulator:    ${emulator.url}  (state: ${emulator.url}/_emulator/live-events)`);
  if (emulator?.mediaPlane) log.info(`Media plane:     rtmp://127.0.0.1:${emulator.mediaPlane.rtmpPort}/live/<accessToken>  (status: ${emulator.url}/_emulator/media-plane)`);
  if (emulator?.mediaPlaneUnavailable) log.write('warning', 'user', `Media plane off: ${emulator.mediaPlaneUnavailable}`);
  if (clock !== systemClock && emulator) log.info(`Clock:           ${settings.DEVHOST_CLOCK_SPEED}x faster than the wall clock; schedule against ${emulator.url}/_emulator/clock`);
  log.info('Press Ctrl+C to stop; state is kept in .data/ and resumes on the next start.');

  const stop = async () => {
    await host.close();
    await emulator?.close();
    clock.stop?.();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
