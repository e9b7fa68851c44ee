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
import { startEmulator, type AmsEmulator } from '../ams-emulator/index.js';
import { scaledClock, systemClock, type Clock } from '../clock/clock.js';
import { startHost } from './host.js';

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

/** Points the app at the emulator: its ARM endpoint, its certificate and its local token endpoint. */
function emulatorSettings(emulator: AmsEmulator): Record<string, string> {
  if (!emulator.caCertFile) throw new Error('the emulator did not write its certificate file');
  return {
    AMS_ARM_ENDPOINT: emulator.url,
    AMS_CA_CERT_FILE: emulator.caCertFile,
    AZURE_AUTHORITY_HOST: emulator.url,
    AZURE_TENANT_ID: 'local-tenant',
    AZURE_CLIENT_ID: 'broadcast-scheduler-local',
    AZURE_CLIENT_SECRET: 'local-secret',
  };
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const settings = readSettings();
  const clock = clockFrom(settings);
  const useEmulator = !settings.AMS_ARM_ENDPOINT;

  const emulator = useEmulator
    ? await startEmulator({
        port: Number(settings.AMS_EMULATOR_PORT ?? '7443'),
        clock,
        dataDir: join(dataDir, 'ams-emulator'),
        timings: settings.AMS_EMULATOR_TIMINGS === 'fast' ? 'fast' : 'realistic',
      })
    : undefined;
  const host = await startHost({
    appRoot,
    clock,
    dbFile: join(dataDir, 'devhost.db'),
    port: Number(settings.DEVHOST_PORT ?? '7071'),
    settings: { ...settings, ...(emulator ? emulatorSettings(emulator) : {}) },
  });

  console.log(`Functions host:  ${host.url}/api/broadcasts  (OpenAPI: ${host.url}/api/openapi.json)`);
  console.log(`Durable API:     ${host.url}/runtime/webhooks/durabletask/instances`);
  if (emulator) console.log(`AMS emulator:    ${emulator.url}  (state: ${emulator.url}/_emulator/live-events)`);
  console.log('Press Ctrl+C to stop; state is kept in .data/ and resumes on the next start.');

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
