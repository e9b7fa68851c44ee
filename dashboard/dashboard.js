/* Operator console: plain DOM, no build step. Everything it shows comes from the same HTTP API a client
   would call, with the function key from the page URL (?code=) sent as x-functions-key. */
/* global document, location, sessionStorage, navigator, fetch, setTimeout, clearTimeout, URLSearchParams, URL, CSS */

const config = JSON.parse(document.getElementById('config').textContent || '{}');
const quota = Number(config.liveEventQuota) || 5;
const quotaOf = (account) => Number(config.quotas?.[account?.accountName]) || quota;
const params = new URLSearchParams(location.search);
const refreshMs = Math.min(60_000, Math.max(500, Number(params.get('refresh') || 2) * 1000));

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PHASES = ['scheduled', 'allocating', 'standby', 'starting', 'awaiting_encoder', 'live', 'stopping', 'cleaning_up', 'ended', 'cancelled', 'failed'];
const TERMINAL = ['ended', 'cancelled', 'failed'];
const PRE_START = ['scheduled', 'allocating', 'standby'];
const ACTIVE = ['scheduled', 'allocating', 'standby', 'starting', 'awaiting_encoder', 'live'];
const phaseLabel = (p) => (p || 'unknown').replace('_', ' ');

// ---- function key --------------------------------------------------------------------------------
let functionKey = params.get('code') || sessionStorage.getItem('functionKey') || '';
if (params.get('code')) sessionStorage.setItem('functionKey', functionKey);

// ---- the server's clock ----------------------------------------------------------------------------
// Times on the page are the server's: its Date header, followed between answers at the rate it advances
// (a local host may run its clock faster than the wall clock).
const clock = { serverAt: Date.now(), localAt: Date.now(), rate: 1, first: undefined };
const serverNow = () => clock.serverAt + (Date.now() - clock.localAt) * clock.rate;
function learnClock(response) {
  const server = Date.parse(response.headers.get('date') || '');
  if (Number.isNaN(server)) return;
  const local = Date.now();
  clock.first ??= { server, local };
  const elapsed = local - clock.first.local;
  if (elapsed >= 3000) {
    const rate = (server - clock.first.server) / elapsed;
    clock.rate = Math.abs(rate - 1) < 0.1 ? 1 : rate;
  }
  // The header has whole seconds: only correct when the estimate is off by more than that.
  if (Math.abs(serverNow() - server) > 1500 || clock.rate !== 1) {
    clock.serverAt = server + 500;
    clock.localAt = local;
  }
}

// ---- small DOM helpers -----------------------------------------------------------------------------
const $ = (selector, root = document) => root.querySelector(selector);
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'style') Object.assign(el.style, value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child);
  return el;
}
/** Replaces a container's content, keeping keyboard focus on the element with the same focus key. */
function replaceContent(container, ...children) {
  const focusKey = container.contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
  container.replaceChildren(...children.flat().filter(Boolean));
  if (focusKey) container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const shortTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const sameDay = (a, b) => new Date(a).toDateString() === new Date(b).toDateString();
function fmt(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '—';
  return sameDay(ms, serverNow()) ? timeFormat.format(ms) : dayTimeFormat.format(ms);
}
function fmtDelta(ms) {
  const sign = ms < 0 ? '−' : '+';
  const abs = Math.abs(ms);
  if (abs < MIN) return `${sign}${Math.round(abs / 1000)} s`;
  if (abs < HOUR) return `${sign}${Math.round(abs / MIN)} min`;
  return `${sign}${(abs / HOUR).toFixed(1)} h`;
}
const pad = (n) => String(n).padStart(2, '0');
/** A value for <input type="datetime-local"> in the browser's time zone. */
function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
/** ISO instant from a datetime-local value; the raw text when it is not a time, so the API names the field. */
function fromLocalInput(value) {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

// ---- alerts ----------------------------------------------------------------------------------------
function showAlert(kind, text, { id, timeoutMs } = {}) {
  const alerts = $('#alerts');
  if (id) alerts.querySelector(`[data-alert-id="${id}"]`)?.remove();
  const close = h('button', { type: 'button', 'aria-label': 'Dismiss', text: '×' });
  const alert = h('div', { class: `alert alert-${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { alertId: id || '' } }, h('p', { text }), close);
  close.addEventListener('click', () => alert.remove());
  alerts.append(alert);
  if (timeoutMs) setTimeout(() => alert.remove(), timeoutMs);
}
const clearAlert = (id) => $(`#alerts [data-alert-id="${id}"]`)?.remove();

// ---- API -------------------------------------------------------------------------------------------
class Unauthorized extends Error {}
/** The API's URLs are relative to this page (…/api/dashboard), so a different route prefix still works. */
const apiUrl = (path) => new URL(path, location.href).toString().replace(/\?$/, '');
async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json, application/problem+json' };
  if (functionKey) headers['x-functions-key'] = functionKey;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(apiUrl(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  learnClock(response);
  if (response.status === 401 || response.status === 403) {
    $('#key-form').hidden = false;
    throw new Unauthorized(`The API answered ${response.status}: a valid function key is needed.`);
  }
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json().catch(() => undefined) : await response.text();
  return { status: response.status, ok: response.ok, problem: type.includes('problem+json'), data };
}
/** One readable sentence from RFC 9457 problem details (or whatever the server sent). */
function problemText(result) {
  const p = result.data;
  if (p && typeof p === 'object') {
    const errors = Array.isArray(p.errors) ? p.errors.map((e) => `${e.field || 'request'}: ${e.message}`).join('; ') : '';
    return [p.title, errors || p.detail].filter(Boolean).join(' ') || `HTTP ${result.status}`;
  }
  return `HTTP ${result.status}${p ? `: ${String(p).slice(0, 200)}` : ''}`;
}

// ---- state -----------------------------------------------------------------------------------------
const state = {
  broadcasts: [],
  selectedId: undefined,
  /** The view follows "now": it starts `offsetMs` from now and spans `spanMs`. */
  view: { offsetMs: -DAY, spanMs: 8 * DAY },
  subscribers: undefined,
  deliveries: new Map(),
  deliveriesUnavailable: false,
  lastSignature: '',
  polls: 0,
};
const RANGES = { '3h': [-HOUR, 3 * HOUR], '12h': [-3 * HOUR, 12 * HOUR], '2d': [-12 * HOUR, 2 * DAY], '8d': [-DAY, 8 * DAY] };
// ?range=12h opens the timeline on another of the ranges offered.
if (RANGES[params.get('range')]) {
  const [offsetMs, spanMs] = RANGES[params.get('range')];
  state.view = { offsetMs, spanMs };
  $('#range').value = params.get('range');
}
const viewWindow = () => {
  const from = serverNow() + state.view.offsetMs;
  return { from, to: from + state.view.spanMs };
};

const ms = (iso) => (iso ? Date.parse(iso) : undefined);
const accountKey = (a) => (a ? `${a.subscriptionId}/${a.resourceGroup}/${a.accountName}` : 'unknown');
/** When the broadcast first entered a phase (from its status timeline). */
const firstAt = (b, phases) => ms((b.timeline || []).find((t) => phases.includes(t.phase))?.at);
/** The interval the broadcast holds (or will hold) a live event in its account. */
function heldInterval(b) {
  const allocated = firstAt(b, ['allocating']);
  const done = firstAt(b, TERMINAL);
  if (TERMINAL.includes(b.phase) && allocated === undefined) return undefined; // never had a live event
  const from = allocated ?? ms(b.startAt);
  const to = done ?? Math.max(ms(b.endAt), TERMINAL.includes(b.phase) ? 0 : serverNow());
  return { from, to };
}

// ---- loading ---------------------------------------------------------------------------------------
async function loadBroadcasts() {
  const now = serverNow();
  const { from, to } = viewWindow();
  const query = new URLSearchParams({ from: new Date(Math.min(from, now - DAY)).toISOString(), to: new Date(Math.max(to, now + 7 * DAY)).toISOString(), top: '200' });
  const items = [];
  let token;
  for (let page = 0; page < 10; page++) {
    if (token) query.set('continuationToken', token);
    const result = await api(`broadcasts?${query}`);
    if (!result.ok) throw new Error(`Could not list broadcasts: ${problemText(result)}`);
    items.push(...(result.data.items || []));
    token = result.data.continuationToken;
    if (!token) break;
  }
  return items;
}

async function loadSubscribers() {
  const result = await api('webhooks/subscribers');
  if (result.status === 404) return { unavailable: true, items: [] };
  if (!result.ok) throw new Error(`Could not list webhook subscribers: ${problemText(result)}`);
  const items = result.data.items || [];
  if (!state.deliveriesUnavailable) {
    await Promise.all(items.map(async (s) => {
      const d = await api(`webhooks/subscribers/${encodeURIComponent(s.id)}/deliveries?top=5`);
      // A problem document is about this subscriber; anything else means the route is not there.
      if (d.status === 404 && !d.problem) state.deliveriesUnavailable = true;
      else state.deliveries.set(s.id, d.ok ? d.data : { error: problemText(d) });
    }));
  }
  return { unavailable: false, items };
}

let pollTimer;
let inFlight;
let again = false;
/** Loads everything and renders it; a call while one runs makes that one run once more. */
function poll() {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  clearTimeout(pollTimer);
  inFlight = refresh().finally(() => {
    inFlight = undefined;
    if (again) {
      again = false;
      void poll();
    } else {
      pollTimer = setTimeout(poll, refreshMs);
    }
  });
  return inFlight;
}
async function refresh() {
  try {
    const broadcasts = await loadBroadcasts();
    if (state.polls % 5 === 0 || state.subscribers === undefined) state.subscribers = await loadSubscribers();
    state.polls++;
    $('#key-form').hidden = true;
    clearAlert('poll');
    setData(broadcasts);
    const sync = $('#sync');
    sync.classList.remove('stale');
    sync.textContent = `updated ${timeFormat.format(serverNow())}`;
  } catch (error) {
    const sync = $('#sync');
    sync.classList.add('stale');
    sync.textContent = error instanceof Unauthorized ? 'waiting for a function key' : 'connection lost, retrying…';
    if (!(error instanceof Unauthorized)) showAlert('error', error.message || String(error), { id: 'poll' });
  }
  renderClock();
  renderTimeline();
  if (!timesEdited) resetFormTimes();
}

/** Screen readers hear phase changes, not every refresh. */
const knownPhases = new Map();
function announceChanges(broadcasts) {
  const changes = [];
  for (const b of broadcasts) {
    const before = knownPhases.get(b.id);
    if (before !== undefined && before !== b.phase) changes.push(`${b.title || b.id} is now ${phaseLabel(b.phase)}.`);
    knownPhases.set(b.id, b.phase);
  }
  if (changes.length) $('#announce').textContent = changes.join(' ');
}

function setData(broadcasts) {
  announceChanges(broadcasts);
  state.broadcasts = broadcasts;
  const signature = JSON.stringify(broadcasts);
  if (signature !== state.lastSignature) {
    state.lastSignature = signature;
    renderList();
    renderDetail();
  }
  renderSubscribers();
}

// ---- rendering: header -----------------------------------------------------------------------------
function renderClock() {
  const now = serverNow();
  const el = $('#server-time');
  el.textContent = `${dayFormat.format(now)} ${timeFormat.format(now)}`;
  const faster = clock.rate === 1 ? '' : `, which runs ${clock.rate.toFixed(0)}× faster than the wall clock`;
  el.title = `server time${faster}`;
  $('#tz-note').textContent = `Times are in your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}), on the server's clock${faster}.`;
}

// ---- rendering: timeline ---------------------------------------------------------------------------
const TICK_STEPS = [15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY];
function renderTimeline() {
  const { from, to } = viewWindow();
  const span = to - from;
  const pct = (t) => `${(((t - from) / span) * 100).toFixed(3)}%`;
  const clamp = (t) => Math.min(Math.max(t, from), to);
  const step = TICK_STEPS.find((s) => span / s <= 9) || DAY;
  const ticks = [];
  for (let t = Math.ceil(from / step) * step; t < to; t += step) {
    // Whole days fall on local midnight.
    const label = step >= DAY ? dayFormat.format(t) : new Date(t).getHours() === 0 && new Date(t).getMinutes() === 0 ? dayFormat.format(t) : shortTime.format(t);
    ticks.push({ t, label });
  }
  if (step >= DAY) for (const tick of ticks) tick.t = new Date(new Date(tick.t).toDateString()).getTime();

  const lanes = new Map();
  if (config.defaultAccount) lanes.set(accountKey(config.defaultAccount), { account: config.defaultAccount, items: [] });
  for (const b of state.broadcasts) {
    const key = accountKey(b.account);
    if (!lanes.has(key)) lanes.set(key, { account: b.account, items: [] });
    lanes.get(key).items.push(b);
  }

  const axis = h('div', { class: 'axis', 'aria-hidden': 'true' }, ticks.filter((k) => k.t >= from).map((k) => h('span', { class: 'tick', style: { left: pct(k.t) }, text: k.label })));
  const laneEls = [...lanes.values()].map((lane) => renderLane(lane, { from, to, pct, clamp, ticks }));
  if (laneEls.length === 0) laneEls.push(h('p', { class: 'empty-lane', text: 'No accounts or broadcasts yet.' }));
  replaceContent($('#timeline'), axis, laneEls);
}

function renderLane(lane, { from, to, pct, clamp, ticks }) {
  // Each account of the pool has its own quota (AMS_ACCOUNTS); the default one is AMS_LIVE_EVENT_QUOTA.
  const quota = quotaOf(lane.account);
  const now = serverNow();
  // Concurrency: sweep over the intervals in which each broadcast holds a live event.
  const edges = [];
  for (const b of lane.items) {
    const held = heldInterval(b);
    if (held && held.to > held.from) edges.push([held.from, 1], [held.to, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let count = 0;
  let peak = 0;
  let overSince;
  const conflicts = [];
  edges.forEach(([t, delta], i) => {
    count += delta;
    const until = edges[i + 1]?.[0] ?? Infinity; // the count holds from t until the next edge
    if (t < to && until > from && until > t) peak = Math.max(peak, count);
    if (count > quota && overSince === undefined) overSince = t;
    if (count <= quota && overSince !== undefined) {
      conflicts.push([overSince, t]);
      overSince = undefined;
    }
  });
  const visibleConflicts = conflicts.filter(([a, b]) => b > from && a < to);
  const nowHeld = lane.items.filter((b) => { const i = heldInterval(b); return i && i.from <= now && now < i.to; }).length;

  // Pack bars into rows so that overlapping broadcasts never cover each other.
  const visible = lane.items
    .map((b) => ({ b, start: ms(b.startAt), end: ms(b.endAt), held: heldInterval(b) }))
    .filter((x) => Math.max(x.end, x.held?.to ?? 0) > from && Math.min(x.start, x.held?.from ?? Infinity) < to)
    .sort((x, y) => x.start - y.start);
  // A bar too narrow for its label shows the label beside it; packing keeps room for that label.
  const trackPx = Math.max(200, ($('#timeline').clientWidth || 1000) - 190);
  const msPerPx = (to - from) / trackPx;
  const rowEnds = [];
  for (const x of visible) {
    x.label = `${x.b.title || x.b.id} · ${phaseLabel(x.b.phase)}`;
    const labelPx = x.label.length * 6.6 + 14;
    x.outside = (clamp(x.end) - clamp(x.start)) / msPerPx < 56; // wider bars truncate their label inside
    const left = Math.min(x.start, x.held?.from ?? x.start);
    const right = Math.max(x.end, x.held?.to ?? x.end, x.start + (x.outside ? labelPx + 12 : 8) * msPerPx);
    let row = rowEnds.findIndex((end) => end + 6 * msPerPx <= left);
    if (row === -1) row = rowEnds.push(0) - 1;
    rowEnds[row] = right;
    x.row = row;
  }
  const rows = Math.max(1, rowEnds.length);

  const track = h('div', { class: 'track', style: { height: `${rows * 36 + 8}px` } },
    ticks.filter((k) => k.t >= from).map((k) => h('span', { class: 'gridline', style: { left: pct(k.t) } })),
    visibleConflicts.map(([a, b]) => h('span', { class: 'conflict', style: { left: pct(clamp(a)), width: `calc(${pct(clamp(b))} - ${pct(clamp(a))})` }, title: `More than ${quota} live events from ${fmt(a)} to ${fmt(b)}` })),
    now >= from && now <= to ? h('span', { class: 'now', style: { left: pct(now) }, title: `now ${fmt(now)}` }) : null,
    visible.flatMap((x) => {
      const top = x.row * 36 + 6;
      const label = x.label;
      const bar = h('button', {
        type: 'button',
        class: `bar phase-${x.b.phase}${x.b.id === state.selectedId ? ' selected' : ''}`,
        style: { left: pct(clamp(x.start)), width: `calc(${pct(clamp(x.end))} - ${pct(clamp(x.start))})`, top: `${top}px` },
        dataset: { id: x.b.id, phase: x.b.phase, focusKey: `bar:${x.b.id}` },
        'aria-label': `${label}, ${fmt(x.start)} to ${fmt(x.end)}`,
        'aria-pressed': x.b.id === state.selectedId ? 'true' : 'false',
        title: `${label}\n${fmt(x.start)} – ${fmt(x.end)}`,
        onclick: () => select(x.b.id),
        text: x.outside ? '' : label,
      });
      const beside = x.outside && h('span', { class: 'bar-label', 'aria-hidden': 'true', style: { left: `calc(max(${pct(clamp(x.end))}, ${pct(clamp(x.start))} + 8px) + 4px)`, top: `${top}px` }, text: label });
      const held = x.held && h('span', {
        class: `held phase-${x.b.phase}`,
        style: { position: 'absolute', left: pct(clamp(x.held.from)), width: `calc(${pct(clamp(Math.max(x.held.to, x.held.from)))} - ${pct(clamp(x.held.from))})`, top: `${top + 28}px`, height: '3px', opacity: '0.55', borderRadius: '2px' },
        title: `live event held ${fmt(x.held.from)} – ${fmt(x.held.to)}`,
      });
      return [held, bar, beside];
    }),
  );
  const a = lane.account || {};
  const over = visibleConflicts.length > 0;
  const head = h('div', { class: 'lane-head' },
    h('strong', { text: a.accountName || 'unknown account', title: accountKey(a) }),
    h('span', { class: 'muted', text: a.resourceGroup || '' }),
    h('div', { class: `quota${over ? ' over' : ''}` },
      h('div', { text: `${nowHeld} / ${quota} live events now` }),
      h('div', { text: over ? `over the quota: ${peak} at once` : `peak in view: ${peak}` })),
  );
  return h('div', { class: 'lane', dataset: { account: accountKey(a) } }, head, track);
}

function renderLegend() {
  replaceContent($('#legend'), PHASES.map((p) => h('li', {}, h('span', { class: `swatch phase-${p}`, 'aria-hidden': 'true' }), phaseLabel(p))),
    h('li', {}, h('span', { class: 'swatch conflict', style: { position: 'static' }, 'aria-hidden': 'true' }), `over the quota of ${quota}`));
}

// ---- rendering: list and detail --------------------------------------------------------------------
const badge = (phase) => h('span', { class: `badge phase-${phase}`, text: phaseLabel(phase) });

function renderList() {
  const rows = state.broadcasts.map((b) => h('tr', {
    tabindex: '0',
    class: b.id === state.selectedId ? 'selected' : '',
    'aria-selected': b.id === state.selectedId ? 'true' : 'false',
    dataset: { id: b.id, phase: b.phase, focusKey: `row:${b.id}` },
    onclick: () => select(b.id),
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(b.id); } },
  },
  h('td', {}, h('div', { text: b.title || b.id }), h('div', { class: 'id', text: b.id })),
  h('td', { class: 'phase' }, badge(b.phase)),
  h('td', { text: b.liveEvent?.state || '—' }),
  h('td', { class: 'time', text: fmt(ms(b.startAt)) }),
  h('td', { class: 'time', text: fmt(ms(b.endAt)) })));
  replaceContent($('#rows'), rows);
  $('#empty').hidden = rows.length > 0;
  $('#count').textContent = rows.length ? `(${rows.length})` : '';
}

function copyButton(text, what) {
  return h('button', {
    type: 'button', 'aria-label': `Copy ${what}`, text: 'Copy', dataset: { focusKey: `copy:${text}` },
    onclick: async (e) => {
      const button = e.currentTarget;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = 'Copied';
      } catch {
        button.textContent = 'Copy failed';
      }
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    },
  });
}
const urlList = (urls, what) => (urls.length
  ? h('ul', { class: 'urls' }, urls.map((u) => h('li', {}, h('code', { text: u, title: u }), copyButton(u, what))))
  : h('p', { class: 'muted', text: 'Known once the live event is allocated.' }));

/** Billed minutes and cost, when the server reports them (the fields are optional). */
function billing(b) {
  const source = b.billing || b.cost;
  if (!source || typeof source !== 'object') return h('p', { class: 'muted', text: 'Billed minutes and cost are not reported by this server yet.' });
  const rows = Object.entries(source).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
  return h('dl', { class: 'kv' }, rows.flatMap(([k, v]) => [h('dt', { text: k.replace(/([A-Z])/g, ' $1').toLowerCase() }), h('dd', { text: typeof v === 'number' ? v.toLocaleString() : v })]));
}

function timesTable(b) {
  const planned = { start: ms(b.startAt), end: ms(b.endAt) };
  const actual = {
    allocate: firstAt(b, ['allocating']), ready: firstAt(b, ['standby']), start: firstAt(b, ['live']),
    stop: firstAt(b, ['stopping']), done: firstAt(b, TERMINAL),
  };
  const row = (step, plan, act) => h('tr', {},
    h('th', { scope: 'row', text: step }),
    h('td', { text: plan === undefined ? '—' : fmt(plan) }),
    h('td', { text: fmt(act) }),
    h('td', { class: plan !== undefined && act !== undefined && act - plan > 5000 ? 'late' : '', text: plan !== undefined && act !== undefined ? fmtDelta(act - plan) : '' }));
  return h('table', { class: 'times' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Step' }), h('th', { scope: 'col', text: 'Planned' }), h('th', { scope: 'col', text: 'Actual' }), h('th', { scope: 'col', text: 'Δ' }))),
    h('tbody', {},
      row('Allocate', undefined, actual.allocate),
      row('Standby', undefined, actual.ready),
      row('Live', planned.start, actual.start),
      row('Stop', planned.end, actual.stop),
      row('Done', undefined, actual.done)));
}

function renderDetail() {
  const panel = $('#detail');
  const b = state.broadcasts.find((x) => x.id === state.selectedId);
  if (!b) {
    delete panel.dataset.id;
    delete panel.dataset.phase;
    replaceContent(panel, h('h2', { id: 'detail-title', text: 'Details' }), h('p', { class: 'muted', text: 'Select a broadcast in the timeline or the list.' }));
    return;
  }
  panel.dataset.id = b.id;
  panel.dataset.phase = b.phase;
  const active = ACTIVE.includes(b.phase);
  const action = (name, text, enabled, why, cls) => h('button', { type: 'button', class: cls, dataset: { action: name, focusKey: `action:${name}` }, disabled: !enabled, title: enabled ? undefined : why, text, onclick: () => runAction(name, b) });
  replaceContent(panel,
    h('div', { class: 'title-row' }, h('h2', { id: 'detail-title', text: b.title || b.id }), badge(b.phase)),
    h('p', { class: 'muted', text: `${b.id} · ${b.origin?.kind || 'api'}${b.origin?.ref ? ` ${b.origin.ref}` : ''} · ${b.account?.accountName || ''}` }),
    b.error && h('div', { class: 'error-box', role: 'note' }, h('strong', { text: `${b.error.code}: ` }), b.error.message),
    h('div', { class: 'actions' },
      action('stop', 'Stop now', active, `It is ${phaseLabel(b.phase)}.`, 'danger'),
      action('extend', 'Extend…', ['live', ...PRE_START].includes(b.phase), 'Only before the start or while live.'),
      action('reschedule', 'Reschedule…', PRE_START.includes(b.phase), 'Only before the start.'),
      action('cancel', 'Cancel…', active, `It is ${phaseLabel(b.phase)}.`, 'danger')),
    h('h3', { text: 'Live event' }),
    h('dl', { class: 'kv' },
      h('dt', { text: 'name' }), h('dd', { text: b.liveEvent?.name || '—' }),
      h('dt', { text: 'state' }), h('dd', { class: 'le-state', text: b.liveEvent?.state || '—' }),
      h('dt', { text: 'ingest' }), h('dd', { text: `${b.liveEvent?.settings?.protocol || ''} · ${b.liveEvent?.settings?.encoding?.type || ''}` })),
    h('h3', { text: 'Ingest URLs' }), urlList(b.liveEvent?.ingestUrls || [], 'ingest URL'),
    h('h3', { text: 'Preview URLs' }), urlList(b.liveEvent?.previewUrls || [], 'preview URL'),
    h('h3', { text: 'Planned and actual times' }), timesTable(b),
    h('h3', { text: 'Billing' }), billing(b),
    b.recording?.assetName && h('h3', { text: 'Recording' }),
    b.recording?.assetName && h('dl', { class: 'kv' }, h('dt', { text: 'asset' }), h('dd', { text: b.recording.assetName }),
      ...(b.recording.playbackPaths || []).flatMap((p) => [h('dt', { text: 'playback' }), h('dd', {}, h('code', { text: p }))])),
    h('details', {}, h('summary', { text: `Status changes (${(b.timeline || []).length})` }),
      h('ol', {}, (b.timeline || []).map((t) => h('li', { text: `${fmt(ms(t.at))} ${phaseLabel(t.phase)}${t.note ? ` — ${t.note}` : ''}` })))),
  );
}

function select(id) {
  state.selectedId = id;
  renderList();
  renderDetail();
  renderTimeline();
}

// ---- actions ---------------------------------------------------------------------------------------
const dialog = $('#dialog');
let onConfirm;
function openDialog({ title, body, confirm, danger }, handler) {
  $('#dialog-title').textContent = title;
  replaceContent($('#dialog-body'), body);
  $('#dialog-error').textContent = '';
  const button = $('#dialog-confirm');
  button.textContent = confirm;
  button.className = danger ? 'primary danger-confirm' : 'primary';
  button.disabled = false;
  onConfirm = handler;
  dialog.showModal();
  (dialog.querySelector('input') || button).focus();
}
$('#dialog-form').addEventListener('submit', async (e) => {
  if (e.submitter?.value !== 'confirm') return; // "Keep as is" closes the dialog
  e.preventDefault();
  const button = $('#dialog-confirm');
  button.disabled = true;
  try {
    const error = await onConfirm();
    if (error) $('#dialog-error').textContent = error;
    else dialog.close();
  } finally {
    button.disabled = false;
  }
});

const labelled = (label, input) => h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input);
async function send(path, method, body, done) {
  let result;
  try {
    result = await api(path, { method, body });
  } catch (error) {
    return error.message;
  }
  if (!result.ok) return problemText(result);
  showAlert('info', done, { timeoutMs: 6000 });
  void poll();
  return undefined;
}

function runAction(name, b) {
  const title = `“${b.title || b.id}”`;
  const path = `broadcasts/${encodeURIComponent(b.id)}`;
  if (name === 'stop') {
    openDialog({ title: `Stop ${title} now?`, body: h('p', { text: 'The live event is stopped and cleaned up now instead of at the planned end; what was recorded is kept.' }), confirm: 'Stop now', danger: true },
      () => send(`${path}/stop`, 'POST', undefined, `Stop requested for ${title}.`));
  } else if (name === 'cancel') {
    openDialog({ title: `Cancel ${title}?`, body: h('p', { text: 'The broadcast is cancelled; a live event that exists is stopped and deleted.' }), confirm: 'Cancel broadcast', danger: true },
      () => send(`${path}/cancel`, 'POST', undefined, `Cancellation requested for ${title}.`));
  } else if (name === 'extend') {
    const input = h('input', { id: 'd-end', type: 'datetime-local', step: '1', value: toLocalInput(ms(b.endAt) + 15 * MIN) });
    openDialog({ title: `Extend ${title}`, body: [h('p', { text: `It ends at ${fmt(ms(b.endAt))}.` }), labelled('New end', input)], confirm: 'Extend' },
      () => send(`${path}/extend`, 'POST', { endAt: fromLocalInput(input.value) }, `New end requested for ${title}.`));
  } else if (name === 'reschedule') {
    const start = h('input', { id: 'd-start', type: 'datetime-local', step: '1', value: toLocalInput(ms(b.startAt)) });
    const end = h('input', { id: 'd-end', type: 'datetime-local', step: '1', value: toLocalInput(ms(b.endAt)) });
    openDialog({ title: `Reschedule ${title}`, body: [labelled('Start', start), labelled('End', end)], confirm: 'Reschedule' },
      () => send(path, 'PATCH', { startAt: fromLocalInput(start.value), endAt: fromLocalInput(end.value) }, `Reschedule requested for ${title}.`));
  }
}

// ---- create form -----------------------------------------------------------------------------------
const form = $('#create-form');
/** Inputs by name (form.title and form.id are the form's own attributes, not its fields). */
const field = (name) => form.elements.namedItem(name);
/** Until someone edits the times, they follow the clock (which may run fast locally). */
let timesEdited = false;
for (const name of ['startAt', 'endAt']) field(name).addEventListener('input', () => (timesEdited = true));
function resetFormTimes() {
  timesEdited = false;
  const start = Math.ceil((serverNow() + 10 * MIN) / MIN) * MIN;
  field('startAt').value = toLocalInput(start);
  field('endAt').value = toLocalInput(start + 30 * MIN);
}
function clearFieldErrors() {
  for (const input of form.querySelectorAll('[data-field]')) {
    input.removeAttribute('aria-invalid');
    const error = input.parentElement.querySelector('.error');
    if (error) error.textContent = '';
  }
  const summary = $('#create-summary');
  summary.hidden = true;
  summary.replaceChildren();
}
function showProblem(result) {
  const p = result.data && typeof result.data === 'object' ? result.data : {};
  const errors = Array.isArray(p.errors) ? p.errors : [];
  const unplaced = [];
  for (const e of errors) {
    const pointer = e.field && !e.field.startsWith('/') ? `/${e.field}` : e.field || '';
    const input = [...form.querySelectorAll('[data-field]')].find((el) => el.dataset.field === pointer) ||
      [...form.querySelectorAll('[data-field]')].find((el) => pointer && el.dataset.field.startsWith(`${pointer}/`));
    if (!input) { unplaced.push(e); continue; }
    input.setAttribute('aria-invalid', 'true');
    const error = input.parentElement.querySelector('.error');
    error.textContent = error.textContent ? `${error.textContent} ${e.message}` : e.message;
    input.setAttribute('aria-describedby', error.id);
  }
  const summary = $('#create-summary');
  summary.replaceChildren(
    h('p', {}, h('strong', { text: p.title || `The server answered ${result.status}.` })),
    errors.length ? h('ul', {}, errors.map((e) => h('li', { text: `${e.field || 'request'}: ${e.message}` }))) : h('p', { text: p.detail || (typeof result.data === 'string' ? result.data : '') }),
  );
  summary.hidden = false;
  (form.querySelector('[aria-invalid="true"]') || summary).focus?.();
  return unplaced;
}
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearFieldErrors();
  const value = (name) => field(name).value.trim();
  const body = {
    ...(value('title') ? { title: value('title') } : {}),
    ...(value('id') ? { id: value('id') } : {}),
    startAt: fromLocalInput(value('startAt')),
    endAt: fromLocalInput(value('endAt')),
    liveEvent: { protocol: value('protocol'), encoding: { type: value('encoding') } },
    ...(value('streamingPolicyName') ? { recording: { streamingPolicyName: value('streamingPolicyName') } } : {}),
  };
  const submit = $('#create-submit');
  submit.disabled = true;
  try {
    const result = await api('broadcasts', { method: 'POST', body });
    if (result.ok) {
      showAlert('info', `Scheduled “${result.data.title || result.data.id}” (${result.data.id}).`, { timeoutMs: 6000 });
      form.reset();
      resetFormTimes();
      state.selectedId = result.data.id;
      await poll();
    } else {
      showProblem(result);
    }
  } catch (error) {
    if (!(error instanceof Unauthorized)) showAlert('error', `Could not schedule: ${error.message}`);
  } finally {
    submit.disabled = false;
  }
});

// ---- webhook subscribers ---------------------------------------------------------------------------
/** One row per delivery of GET /api/webhooks/subscribers/{id}/deliveries: its notification, state and last attempt. */
function deliveryRows(data) {
  const items = data?.items ?? [];
  if (items.length === 0) return h('p', { class: 'muted', text: 'No deliveries yet.' });
  return h('table', { class: 'deliveries' },
    h('thead', {}, h('tr', {}, ['Time', 'Event', 'Result', 'Attempts', 'Latency'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, items.slice(0, 5).map((d) => {
      const last = d.attempts.at(-1);
      const result = [d.state, last?.status ?? undefined].filter((x) => x !== undefined).join(' ');
      return h('tr', {},
        h('td', { text: fmt(ms(last?.at ?? d.createdAt)) }),
        h('td', { text: d.notification?.type ?? '—' }),
        h('td', { class: d.state === 'delivered' ? 'status-ok' : 'status-bad', text: result || '—' }),
        h('td', { text: String(d.attempts.length) }),
        h('td', { text: last?.latencyMs == null ? '—' : `${last.latencyMs} ms` }));
    })));
}
function renderSubscribers() {
  const box = $('#subscribers');
  const subs = state.subscribers;
  if (!subs) return;
  if (subs.unavailable) return replaceContent(box, h('p', { class: 'muted', text: 'This server has no subscriber API.' }));
  if (subs.items.length === 0) return replaceContent(box, h('p', { class: 'muted', text: 'No subscribers registered through the API (POST /api/webhooks/subscribers).' }));
  replaceContent(box, subs.items.map((s) => h('article', { class: 'subscriber', dataset: { subscriber: s.id } },
    h('header', {}, h('strong', { text: s.id }), h('span', { class: 'muted', text: Array.isArray(s.events) ? s.events.join(', ') : 'all events' })),
    h('div', { class: 'url', text: s.url }),
    state.deliveriesUnavailable
      ? h('p', { class: 'muted', text: 'The delivery log is not available on this server.' })
      : state.deliveries.get(s.id)?.error
        ? h('p', { class: 'status-bad', text: state.deliveries.get(s.id).error })
        : deliveryRows(state.deliveries.get(s.id)))));
}

// ---- wiring ----------------------------------------------------------------------------------------
$('#key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  functionKey = $('#key-input').value.trim();
  sessionStorage.setItem('functionKey', functionKey);
  void poll();
});
for (const button of document.querySelectorAll('[data-pan]')) {
  button.addEventListener('click', () => {
    const dir = Number(button.dataset.pan);
    if (dir === 0) state.view.offsetMs = RANGES[$('#range').value]?.[0] ?? -state.view.spanMs / 8;
    else state.view.offsetMs += (dir * state.view.spanMs) / 2;
    renderTimeline();
  });
}
for (const button of document.querySelectorAll('[data-zoom]')) {
  button.addEventListener('click', () => {
    const factor = button.dataset.zoom === 'in' ? 0.5 : 2;
    const span = Math.min(16 * DAY, Math.max(HOUR, state.view.spanMs * factor));
    // Zoom around "now" when it is in view, else around the centre.
    const anchor = state.view.offsetMs < 0 && state.view.offsetMs + state.view.spanMs > 0 ? 0 : state.view.offsetMs + state.view.spanMs / 2;
    state.view.offsetMs = anchor - ((anchor - state.view.offsetMs) * span) / state.view.spanMs;
    state.view.spanMs = span;
    renderTimeline();
  });
}
$('#range').addEventListener('change', (e) => {
  const [offset, span] = RANGES[e.target.value];
  state.view = { offsetMs: offset, spanMs: span };
  renderTimeline();
});
// The clock in the header ticks between polls.
(function tick() {
  renderClock();
  setTimeout(tick, 1000);
})();

renderLegend();
resetFormTimes();
void poll();
