/** Builds the real AMS client from configuration: Azure by default, or any ARM endpoint (the local emulator). */
import { readFileSync } from 'node:fs';
import { AzureMediaServices } from '@azure/arm-mediaservices';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { MediaClientSettings as AppConfig } from '../../contracts/settings.js';

export function createMediaClient(config: AppConfig): AzureMediaServices {
  // A private CA (the emulator's) is trusted per client, so nothing process-wide changes.
  const tlsOptions = config.caCertFile ? { ca: readFileSync(config.caCertFile, 'utf8') } : undefined;
  return new AzureMediaServices(credentialFor(config, tlsOptions), config.account.subscriptionId, {
    endpoint: config.armEndpoint,
    credentialScopes: ['https://management.azure.com/.default'],
    tlsOptions,
    // Bounded retries with exponential backoff for throttling, 5xx and network errors.
    retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 },
  } as ConstructorParameters<typeof AzureMediaServices>[2]);
}

function credentialFor(config: AppConfig, tlsOptions: { ca: string } | undefined): TokenCredential {
  const c = config.credentials;
  if (c.kind === 'default') return new DefaultAzureCredential();
  return new ClientSecretCredential(c.tenantId, c.clientId, c.clientSecret, {
    authorityHost: c.authorityHost,
    // A custom authority (sovereign cloud or the local emulator) must not trigger discovery against login.microsoftonline.com.
    disableInstanceDiscovery: c.authorityHost !== undefined,
    tlsOptions,
  } as ConstructorParameters<typeof ClientSecretCredential>[3]);
}
