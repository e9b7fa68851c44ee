/** Builds the real AMS client from configuration: Azure by default, or any ARM endpoint (the local emulator, Ravnur RMS). */
import { readFileSync } from 'node:fs';
import { AzureMediaServices } from '@azure/arm-mediaservices';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { Credentials, MediaClientSettings as AppConfig } from '../../contracts/settings.js';

/** A private CA (the emulator's) is trusted per client, so nothing process-wide changes. */
export const tlsOptionsFor = (caCertFile: string | undefined): { ca: string } | undefined => (caCertFile ? { ca: readFileSync(caCertFile, 'utf8') } : undefined);

export function createMediaClient(config: AppConfig): AzureMediaServices {
  const tlsOptions = tlsOptionsFor(config.caCertFile);
  return createArmClient({ endpoint: config.armEndpoint, subscriptionId: config.account.subscriptionId, credential: entraCredential(config.credentials, tlsOptions), tlsOptions });
}

/** The ARM client on any endpoint that serves the ARM shape, with the given credential. */
export function createArmClient(target: { endpoint: string; subscriptionId: string; credential: TokenCredential; tlsOptions?: { ca: string }; scope?: string }): AzureMediaServices {
  return new AzureMediaServices(target.credential, target.subscriptionId, {
    endpoint: target.endpoint,
    credentialScopes: [target.scope ?? 'https://management.azure.com/.default'],
    tlsOptions: target.tlsOptions,
    // Bounded retries with exponential backoff for throttling, 5xx and network errors.
    retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 },
  } as ConstructorParameters<typeof AzureMediaServices>[2]);
}

export function entraCredential(c: Credentials, tlsOptions: { ca: string } | undefined): TokenCredential {
  if (c.kind === 'default') return new DefaultAzureCredential();
  return new ClientSecretCredential(c.tenantId, c.clientId, c.clientSecret, {
    authorityHost: c.authorityHost,
    // A custom authority (sovereign cloud or the local emulator) must not trigger discovery against login.microsoftonline.com.
    disableInstanceDiscovery: c.authorityHost !== undefined,
    tlsOptions,
  } as ConstructorParameters<typeof ClientSecretCredential>[3]);
}
