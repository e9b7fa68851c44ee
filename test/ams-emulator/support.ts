import { AzureMediaServices } from '@azure/arm-mediaservices';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator, type AmsEmulator, type EmulatorOptions } from '../../ams-emulator/index.js';

export const rg = 'broadcast-rg';
export const account = 'broadcastams';
export const subscription = '00000000-0000-0000-0000-000000000000';

/** The real SDK client with the real identity flow, trusting the emulator's certificate. */
export function clientFor(emulator: AmsEmulator, retryOptions = { maxRetries: 0 }): AzureMediaServices {
  const tlsOptions = { ca: emulator.caCertPem };
  const credential = new ClientSecretCredential('local-tenant', 'test-client', 'secret', {
    authorityHost: emulator.url,
    disableInstanceDiscovery: true,
    tlsOptions,
  } as never);
  return new AzureMediaServices(credential, subscription, {
    endpoint: emulator.url,
    credentialScopes: ['https://management.azure.com/.default'],
    tlsOptions,
    retryOptions,
  } as never);
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<{ emulator: AmsEmulator; client: AzureMediaServices }> {
  const emulator = await startEmulator({ timings: 'fast', ...options });
  return { emulator, client: clientFor(emulator) };
}

export const poll = { updateIntervalInMs: 5 };

export const rtmpEvent = { location: 'westeurope', input: { streamingProtocol: 'RTMP' as const }, tags: { broadcastId: 'b1' } };
