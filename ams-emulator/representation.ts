/** Resources as AMS puts them on the wire (properties nested, real default values, lower-case id segments). */
import type { AccountIdentity } from './mediaAccount.js';
import type { AssetRecord, LiveEventRecord, LiveOutputRecord, StreamingEndpointRecord, StreamingLocatorRecord } from './model.js';

const REGION_CODE = 'euwe';
const iso = (ms: number) => new Date(ms).toISOString();

/** ARM region names → the display names AMS answers with (`westus2` → "West US 2", as recorded). */
const REGION_DISPLAY_NAMES: Record<string, string> = {
  westeurope: 'West Europe', northeurope: 'North Europe', uksouth: 'UK South', ukwest: 'UK West', francecentral: 'France Central',
  germanywestcentral: 'Germany West Central', switzerlandnorth: 'Switzerland North', norwayeast: 'Norway East', swedencentral: 'Sweden Central',
  eastus: 'East US', eastus2: 'East US 2', westus: 'West US', westus2: 'West US 2', westus3: 'West US 3', centralus: 'Central US',
  northcentralus: 'North Central US', southcentralus: 'South Central US', westcentralus: 'West Central US', canadacentral: 'Canada Central',
  brazilsouth: 'Brazil South', southindia: 'South India', centralindia: 'Central India', japaneast: 'Japan East', japanwest: 'Japan West',
  eastasia: 'East Asia', southeastasia: 'Southeast Asia', australiaeast: 'Australia East', koreacentral: 'Korea Central',
  southafricanorth: 'South Africa North', uaenorth: 'UAE North',
};

export function locationDisplayName(location: string): string {
  return REGION_DISPLAY_NAMES[location.toLowerCase().replace(/\s+/g, '')] ?? location;
}

/** Encoding defaults AMS fills in for encoding live events (recorded: `default720p`, AutoSize, 2 s). */
const ENCODING_DEFAULTS: Record<string, { presetName: string; stretchMode: string; keyFrameInterval: string }> = {
  Standard: { presetName: 'default720p', stretchMode: 'AutoSize', keyFrameInterval: 'PT2S' },
  Premium1080p: { presetName: 'default1080p', stretchMode: 'AutoSize', keyFrameInterval: 'PT2S' },
};

/** Drops unset (undefined or null) properties: AMS omits them for assets and locators. */
const present = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;

export const accountPath = (a: AccountIdentity) =>
  `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Media/mediaservices/${a.accountName}`;

const systemData = (created: number, modified: number) => ({
  createdBy: 'broadcast-scheduler-local', createdByType: 'Application', createdAt: iso(created),
  lastModifiedBy: 'broadcast-scheduler-local', lastModifiedByType: 'Application', lastModifiedAt: iso(modified),
});

export function mediaServiceJson(a: AccountIdentity) {
  // Recorded GET: `tags` omitted when empty, location as display name.
  return {
    name: a.accountName, id: accountPath(a), type: 'Microsoft.Media/mediaservices', location: locationDisplayName(a.location),
    properties: {
      mediaServiceId: '6f9e8a4b-2f0c-4f5e-9e7a-1d2c3b4a5f60',
      storageAccounts: [{ id: `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${a.accountName.toLowerCase()}storage`, type: 'Primary' }],
      storageAuthentication: 'System', encryption: { type: 'SystemKey' },
      keyDelivery: { accessControl: { defaultAction: 'Allow', ipAllowList: [] } },
      publicNetworkAccess: 'Enabled', provisioningState: 'Succeeded', privateEndpointConnections: [],
    },
  };
}

function ingestEndpoints(a: AccountIdentity, e: LiveEventRecord) {
  if (e.resourceState !== 'StandBy' && e.resourceState !== 'Running') return { input: [], preview: [] };
  const host = e.properties.useStaticHostname
    ? `${String(e.properties.hostnamePrefix ?? e.name)}-${a.accountName}-${REGION_CODE}.channel.media.azure.net`.toLowerCase()
    : `${e.ingestHostId}.channel.media.azure.net`;
  const protocol = ((e.properties.input ?? {}) as Record<string, unknown>).streamingProtocol;
  const input =
    protocol === 'RTMP'
      ? [`rtmp://${host}:1935/live/${e.accessToken}`, `rtmp://${host}:1936/live/${e.accessToken}`, `rtmps://${host}:2935/live/${e.accessToken}`, `rtmps://${host}:2936/live/${e.accessToken}`].map((url) => ({ protocol: 'RTMP', url }))
      : [{ protocol: 'FragmentedMP4', url: `http://${host}/${e.accessToken}/ingest.isml` }]; // one endpoint, as recorded
  const preview = [{ protocol: 'FragmentedMP4', url: `https://${e.name.toLowerCase()}-${a.accountName.toLowerCase()}.preview-${REGION_CODE}.channel.media.azure.net/${e.previewLocator}/preview.ism/manifest` }];
  return { input, preview };
}

/**
 * `view` overrides what the state machine shows (busy provisioningState), the id (operationLocations quirk) and the
 * endpoints (the media plane's local ingest and preview).
 */
export function liveEventJson(a: AccountIdentity, e: LiveEventRecord, view: { provisioningState?: string; id?: string; endpoints?: ReturnType<typeof ingestEndpoints> } = {}) {
  const p = e.properties;
  const input = (p.input ?? {}) as Record<string, unknown>;
  const preview = (p.preview ?? {}) as Record<string, unknown>;
  const encoding = (p.encoding ?? {}) as Record<string, unknown>;
  const encodingType = String(encoding.encodingType ?? 'None');
  const defaults = ENCODING_DEFAULTS[encodingType];
  const crossSite = (p.crossSiteAccessPolicies ?? {}) as Record<string, unknown>;
  const endpoints = view.endpoints ?? ingestEndpoints(a, e);
  return {
    name: e.name, id: view.id ?? `${accountPath(a)}/liveevents/${e.name}`, type: 'Microsoft.Media/mediaservices/liveevents',
    location: locationDisplayName(e.location), tags: e.tags,
    properties: {
      description: p.description ?? '', resourceState: e.resourceState, provisioningState: view.provisioningState ?? e.provisioningState,
      created: iso(e.created), lastModified: iso(e.lastModified), useStaticHostname: p.useStaticHostname ?? false,
      streamOptions: p.streamOptions ?? [],
      input: {
        keyFrameIntervalDuration: input.keyFrameIntervalDuration ?? '', streamingProtocol: input.streamingProtocol,
        accessToken: e.accessToken, endpoints: endpoints.input, accessControl: input.accessControl ?? null,
      },
      preview: {
        previewLocator: e.previewLocator, streamingPolicyName: preview.streamingPolicyName ?? 'Predefined_ClearStreamingOnly',
        alternativeMediaId: preview.alternativeMediaId ?? null, accessControl: preview.accessControl ?? null, endpoints: endpoints.preview,
      },
      encoding: {
        encodingType, presetName: encoding.presetName ?? defaults?.presetName ?? null,
        stretchMode: encoding.stretchMode ?? defaults?.stretchMode ?? null, keyFrameInterval: encoding.keyFrameInterval ?? defaults?.keyFrameInterval ?? null,
      },
      // Both policies are always answered (null when unset), whatever subset was sent.
      crossSiteAccessPolicies: { clientAccessPolicy: crossSite.clientAccessPolicy ?? null, crossDomainPolicy: crossSite.crossDomainPolicy ?? null },
      hostnamePrefix: p.hostnamePrefix ?? null, transcriptions: p.transcriptions ?? [],
    },
    systemData: systemData(e.created, e.lastModified),
  };
}

export function liveOutputJson(a: AccountIdentity, o: LiveOutputRecord) {
  return {
    name: o.name, id: `${accountPath(a)}/liveevents/${o.liveEvent}/liveoutputs/${o.name}`, type: 'Microsoft.Media/mediaservices/liveevents/liveoutputs',
    properties: {
      description: o.description, assetName: o.assetName, archiveWindowLength: o.archiveWindowLength, rewindWindowLength: o.rewindWindowLength,
      manifestName: o.manifestName, hls: o.hls, outputSnapTime: o.outputSnapTime, created: iso(o.created), lastModified: iso(o.lastModified),
      provisioningState: o.provisioningState, resourceState: o.resourceState,
    },
    systemData: systemData(o.created, o.lastModified),
  };
}

export function assetJson(a: AccountIdentity, x: AssetRecord) {
  return {
    name: x.name, id: `${accountPath(a)}/assets/${x.name}`, type: 'Microsoft.Media/mediaservices/assets',
    properties: present({
      assetId: x.assetId, created: iso(x.created), lastModified: iso(x.lastModified), alternateId: x.alternateId,
      description: x.description, container: x.container, storageAccountName: x.storageAccountName, storageEncryptionFormat: 'None',
    }),
    systemData: systemData(x.created, x.lastModified),
  };
}

export function streamingLocatorJson(a: AccountIdentity, l: StreamingLocatorRecord) {
  return {
    name: l.name, id: `${accountPath(a)}/streamingLocators/${l.name}`, type: 'Microsoft.Media/mediaservices/streamingLocators',
    properties: present({
      assetName: l.assetName, created: iso(l.created), startTime: l.startTime, endTime: l.endTime, streamingLocatorId: l.streamingLocatorId,
      streamingPolicyName: l.streamingPolicyName, defaultContentKeyPolicyName: l.defaultContentKeyPolicyName, alternativeMediaId: l.alternativeMediaId,
      // Key values are only returned by listContentKeys.
      contentKeys: (l.contentKeys ?? []).map(({ value: _value, ...k }) => ({ ...k, tracks: [] })), filters: [],
    }),
    systemData: systemData(l.created, l.created),
  };
}

export function streamingEndpointJson(a: AccountIdentity, s: StreamingEndpointRecord) {
  const p = s.properties ?? {};
  const crossSite = p.crossSiteAccessPolicies as Record<string, unknown> | undefined;
  return {
    name: s.name, id: `${accountPath(a)}/streamingendpoints/${s.name}`, type: 'Microsoft.Media/mediaservices/streamingEndpoints',
    location: locationDisplayName(a.location), tags: s.tags ?? {},
    // Premium once streaming units are bought (200 Mbps each); the standard endpoint serves 600 Mbps.
    sku: s.scaleUnits > 0 ? { name: 'Premium', capacity: s.scaleUnits * 200 } : { name: 'Standard', capacity: 600 },
    properties: {
      description: p.description ?? '', scaleUnits: s.scaleUnits, availabilitySetName: p.availabilitySetName ?? null, accessControl: p.accessControl ?? null,
      maxCacheAge: p.maxCacheAge ?? null, customHostNames: p.customHostNames ?? [], hostName: s.hostName, cdnEnabled: p.cdnEnabled ?? false,
      cdnProvider: p.cdnProvider ?? null, cdnProfile: p.cdnProfile ?? null, provisioningState: s.provisioningState ?? 'Succeeded',
      resourceState: s.resourceState,
      crossSiteAccessPolicies: crossSite ? { clientAccessPolicy: crossSite.clientAccessPolicy ?? null, crossDomainPolicy: crossSite.crossDomainPolicy ?? null } : null,
      freeTrialEndTime: '0001-01-01T00:00:00Z', created: iso(s.created), lastModified: iso(s.lastModified),
    },
  };
}

/** The SKUs a streaming endpoint can move to (example of the 2022-11-01 spec). */
export function streamingEndpointSkusJson() {
  return {
    value: [
      { resourceType: 'Microsoft.Media/mediaservices/streamingEndpoints', capacity: { scaleType: 'None', default: 0, minimum: 0, maximum: 0 }, sku: { name: 'Standard' } },
      { resourceType: 'Microsoft.Media/mediaservices/streamingEndpoints', capacity: { scaleType: 'Automatic', default: 1, minimum: 1, maximum: 10 }, sku: { name: 'Premium' } },
    ],
  };
}
