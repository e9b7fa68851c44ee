/** Runs the AMS emulator on its own: `node dist/ams-emulator/cli.js [port] [dataDir] [fast|realistic]`. */
import { startEmulator } from './index.js';

const [port = '7443', dataDir = '.data/ams-emulator', timings = 'realistic'] = process.argv.slice(2);
const emulator = await startEmulator({ port: Number(port), dataDir, timings: timings === 'fast' ? 'fast' : 'realistic' });
console.log(`AMS emulator at ${emulator.url}; trust ${emulator.caCertFile ?? '(in memory)'} (e.g. NODE_EXTRA_CA_CERTS).`);
process.once('SIGINT', () => void emulator.close().then(() => process.exit(0)));
