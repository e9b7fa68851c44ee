// The local stack in a provider's dialect: the emulator speaks it and the app gets that provider's settings
// (names as app/config.ts reads them: AMS_PROVIDER, AMS_PROVIDER_ENDPOINT, RAVNUR_API_KEY, MKIO_*).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator, type DialectName } from '../../ams-emulator/index.js';
import { emulatorSettings } from '../../devhost/localStack.js';
import { startStack } from '../support/stack.js';
import { call } from './dialectsSupport.js';

const withEmulator = async (dialect: DialectName, test: (settings: Record<string, string>, emulator: Awaited<ReturnType<typeof startEmulator>>) => void) => {
  const emulator = await startEmulator({ dialect, dataDir: mkdtempSync(join(tmpdir(), 'dialect-')) });
  try {
    test(emulatorSettings(emulator), emulator);
  } finally {
    await emulator.close();
  }
};

describe('emulatorSettings per dialect', () => {
  it('arm: no provider settings (AMS, as before)', () =>
    withEmulator('arm', (settings, emulator) => {
      expect(settings).toMatchObject({ AMS_ARM_ENDPOINT: emulator.url, AZURE_AUTHORITY_HOST: emulator.url });
      expect(settings.AMS_PROVIDER).toBeUndefined();
    }));

  it('ravnur: the endpoint and API key', () =>
    withEmulator('ravnur', (settings, emulator) => {
      expect(settings).toMatchObject({ AMS_PROVIDER: 'ravnur', AMS_PROVIDER_ENDPOINT: emulator.url, RAVNUR_API_KEY: emulator.dialect.apiKey, AMS_CA_CERT_FILE: emulator.caCertFile });
    }));

  it('mkio: the endpoint, token, project, storage account and location', () =>
    withEmulator('mkio', (settings, emulator) => {
      expect(settings).toMatchObject({
        AMS_PROVIDER: 'mkio', AMS_PROVIDER_ENDPOINT: emulator.url, MKIO_TOKEN: emulator.dialect.token, MKIO_PROJECT: 'broadcastams',
        MKIO_STORAGE_ACCOUNT: 'broadcastamsstorage', AMS_LOCATION: 'westeurope',
      });
    }));
});

it('startStack({ provider }) starts the emulator in that dialect and hands the app its settings', async () => {
  const stack = await startStack({ provider: 'mkio', dialectOptions: { allocate: true } });
  try {
    expect(stack.emulator.dialect.name).toBe('mkio');
    expect(process.env.AMS_PROVIDER).toBe('mkio');
    expect(process.env.MKIO_TOKEN).toBe(stack.emulator.dialect.token);
  } finally {
    await stack.close();
  }
});

describe('dialect options and the control plane', () => {
  it('refuses an option the dialect does not have (a typo would otherwise be a silent default)', async () => {
    await expect(startEmulator({ dialect: 'mkio', dialectOptions: { alocate: true } as never })).rejects.toThrow("dialectOptions.alocate is not an option of the 'mkio' dialect");
    await expect(startEmulator({ dialect: 'ravnur', dialectOptions: { project: 'x' } })).rejects.toThrow('dialectOptions.project');
    await expect(startEmulator({ dialectOptions: { allocate: true } })).rejects.toThrow("of the 'arm' dialect");
    await expect(startEmulator({ dialect: 'mkio', dialectOptions: { pathStyles: [] } })).rejects.toThrow('pathStyles');
    await expect(startEmulator({ dialect: 'azure' as never })).rejects.toThrow("Unknown dialect 'azure'");
  });

  it('answers GET /_emulator/dialect with what a client needs', async () => {
    const emulator = await startEmulator({ dialect: 'mkio', dialectOptions: { project: 'studio' } });
    try {
      expect((await call(emulator, 'GET', '/_emulator/dialect')).json).toEqual({ ...emulator.dialect, project: 'studio', token: expect.any(String) });
    } finally {
      await emulator.close();
    }
  });
});
