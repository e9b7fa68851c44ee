/** Resources as AMS puts them on the wire (properties nested, real default values, lower-case id segments). */
import type { AccountIdentity } from './mediaAccount.js';
import type { AssetRecord, LiveEventRecord, LiveOutputRecord, StreamingEndpointRecord, StreamingLocatorRecord } from './model.js';

const REGION_CODE = 'euwe';
const iso = (ms: number) => new Date(ms).toISOString();

export const accountPath = (a: AccountIdentity) =>
  `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Media/mediaservices/${a.accountName}`;

const systemData = (created: number, modified: number) => ({
  createdBy: 'broadcast-scheduler-local', createdByType: 'Application', createdAt: iso(created),
  lastModifiedBy: 'broadcast-scheduler-local', lastModifiedByType: 'Application', lastModifiedAt: iso(modified),
});

export function mediaServiceJson(a: AccountIdentity) {
  return {
    name: a.accountName, id: accountPath(a), type: 'Microsoft.Media/mediaservices', location: a.location, tags: {},
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
      : [{ protocol: 'FragmentedMP4', url: `http://${host}/${e.accessToken}/ingest.isml` }, { protocol: 'FragmentedMP4', url: `https://${host}/${e.accessToken}/ingest.isml` }];
  const preview = [{ protocol: 'FragmentedMP4', url: `https://${e.name.toLowerCase()}-${a.accountName.toLowerCase()}.preview-${REGION_CODE}.channel.media.azure.net/${e.previewLocator}/preview.ism/manifest` }];
  return { input, preview };
}

export function liveEventJson(a: AccountIdentity, e: LiveEventRecord) {
  const p = e.properties;
  const input = (p.input ?? {}) as Record<string, unknown>;
  const preview = (p.preview ?? {}) as Record<string, unknown>;
  const encoding = (p.encoding ?? {}) as Record<string, unknown>;
  const endpoints = ingestEndpoints(a, e);
  return {
    name: e.name, id: `${accountPath(a)}/liveevents/${e.name}`, type: 'Microsoft.Media/mediaservices/liveevents',
    location: e.location, tags: e.tags,
    properties: {
      description: p.description ?? '', resourceState: e.resourceState, provisioningState: e.provisioningState,
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
        encodingType: encoding.encodingType ?? 'None', presetName: encoding.presetName ?? null,
        stretchMode: encoding.stretchMode ?? null, keyFrameInterval: encoding.keyFrameInterval ?? null,
      },
      crossSiteAccessPolicies: p.crossSiteAccessPolicies ?? { clientAccessPolicy: null, crossDomainPolicy: null },
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
    properties: {
      assetId: x.assetId, created: iso(x.created), lastModified: iso(x.lastModified), alternateId: x.alternateId,
      description: x.description, container: x.container, storageAccountName: x.storageAccountName, storageEncryptionFormat: 'None',
    },
    systemData: systemData(x.created, x.lastModified),
  };
}

export function streamingLocatorJson(a: AccountIdentity, l: StreamingLocatorRecord) {
  return {
    name: l.name, id: `${accountPath(a)}/streamingLocators/${l.name}`, type: 'Microsoft.Media/mediaservices/streamingLocators',
    properties: {
      assetName: l.assetName, created: iso(l.created), startTime: l.startTime, endTime: l.endTime, streamingLocatorId: l.streamingLocatorId,
      streamingPolicyName: l.streamingPolicyName, defaultContentKeyPolicyName: l.defaultContentKeyPolicyName, contentKeys: [], filters: [],
    },
    systemData: systemData(l.created, l.created),
  };
}

export function streamingEndpointJson(a: AccountIdentity, s: StreamingEndpointRecord) {
  return {
    name: s.name, id: `${accountPath(a)}/streamingendpoints/${s.name}`, type: 'Microsoft.Media/mediaservices/streamingEndpoints',
    location: a.location, tags: {}, sku: { name: 'Standard', capacity: 600 },
    properties: {
      description: '', scaleUnits: s.scaleUnits, availabilitySetName: null, accessControl: null, maxCacheAge: null, customHostNames: [],
      hostName: s.hostName, cdnEnabled: false, cdnProvider: null, cdnProfile: null, provisioningState: 'Succeeded',
      resourceState: s.resourceState, crossSiteAccessPolicies: null, freeTrialEndTime: '0001-01-01T00:00:00Z',
      created: iso(s.created), lastModified: iso(s.lastModified),
    },
  };
}
