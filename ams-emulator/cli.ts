/**
 * Runs the AMS emulator on its own: `node dist/ams-emulator/cli.js [port] [dataDir] [fast|realistic]`.
 * `AMS_EMULATOR_ERROR_SHAPES` (JSON, e.g. `{"wrongState":"conflict","busy":"accepted"}`) and
 * `AMS_EMULATOR_PAGE_SIZE` choose refusal shapes and list page size (also settable under /_emulator/).
 * `AMS_EMULATOR_DIALECT` (`arm` default, `ravnur`, `mkio`) and `AMS_EMULATOR_DIALECT_OPTIONS` (JSON) choose whose API it speaks.
 */
import { startEmulator, type DialectName } from './index.js';

const [port = '7443', dataDir = '.data/ams-emulator', timings = 'realistic'] = process.argv.slice(2);
const emulator = await startEmulator({
  port: Number(port),
  dataDir,
  timings: timings === 'fast' ? 'fast' : 'realistic',
  errorShapes: process.env.AMS_EMULATOR_ERROR_SHAPES ? (JSON.parse(process.env.AMS_EMULATOR_ERROR_SHAPES) as object) : undefined,
  pageSize: process.env.AMS_EMULATOR_PAGE_SIZE ? Number(process.env.AMS_EMULATOR_PAGE_SIZE) : undefined,
  dialect: (process.env.AMS_EMULATOR_DIALECT as DialectName | undefined) ?? 'arm',
  dialectOptions: process.env.AMS_EMULATOR_DIALECT_OPTIONS ? (JSON.parse(process.env.AMS_EMULATOR_DIALECT_OPTIONS) as object) : undefined,
});
console.log(`AMS emulator at ${emulator.url}; trust ${emulator.caCertFile ?? '(in memory)'} (e.g. NODE_EXTRA_CA_CERTS).`);
if (emulator.dialect.name !== 'arm') console.log(`Dialect ${emulator.dialect.name}: ${JSON.stringify(emulator.dialect)}`);
process.once('SIGINT', () => void emulator.close().then(() => process.exit(0)));
