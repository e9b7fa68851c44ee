// The broadcast orchestration driven by the real durable-functions replay code (through the local host's engine)
// with in-memory media activities and a manual clock: commands never lost, short timers only, bounded status,
// a start moved later gives the live event back, and the pre-roll measures timer lateness.
import { describe, expect, it } from 'vitest';
import { customStatusBytes, CUSTOM_STATUS_LIMIT_BYTES } from '../../domain/broadcastStatus.js';
import { MAX_TIMER_MS } from '../../domain/schedule.js';
import { world } from './app/index.js';
import { broadcastInput as input, iso, MINUTE, orchestrationDriver } from './driver.js';

const DAY = 24 * 60 * MINUTE;
const driver = orchestrationDriver('lifecycle-');
const { clock, status, raise, settle, run, history } = driver;
const start = (id: string, startAt: number, endAt: number) => driver.start(input(id, startAt, endAt));

describe('commands are never lost', () => {
  it('honours a Cancel raised while an activity runs', async () => {
    const t0 = clock.now();
    const id = start('cancel-in-activity', t0 + 20 * MINUTE, t0 + 40 * MINUTE);
    world.holdRead = 2; // the second read, after one poll round of the allocation
    await run(id, () => world.held);
    expect(world.held).toBe(true);
    expect(status(id).phase).toBe('allocating');
    raise(id, 'Cancel', { reason: 'while reading' });
    await settle(id);
    world.release();
    await run(id);
    expect(status(id).phase).toBe('cancelled');
    expect(world.actions).not.toContain('start');
    expect(world.state).toBeUndefined(); // stopped and deleted
  });

  it('applies a Reschedule raised during the allocation, and an Extend raised in standby', async () => {
    const t0 = clock.now();
    const id = start('change-in-activity', t0 + 20 * MINUTE, t0 + 40 * MINUTE);
    world.holdRead = 1;
    await run(id, () => world.held);
    raise(id, 'Reschedule', { endAt: iso(t0 + 50 * MINUTE) });
    await settle(id);
    world.release();
    await run(id, () => status(id).phase === 'standby');
    expect(status(id).endAt).toBe(iso(t0 + 50 * MINUTE));
    raise(id, 'Extend', { endAt: iso(t0 + 55 * MINUTE) });
    await run(id);
    expect(status(id)).toMatchObject({ phase: 'ended', endAt: iso(t0 + 55 * MINUTE) });
  });
});

describe('short timers only', () => {
  it('waits for a broadcast 8 days out in steps of at most 3 days, also when it is rescheduled while waiting', async () => {
    const t0 = clock.now();
    const id = start('far-ahead', t0 + 8 * DAY, t0 + 8 * DAY + 30 * MINUTE);
    await settle(id);
    clock.advance(DAY);
    await settle(id);
    const startAt = t0 + 10 * DAY;
    raise(id, 'Reschedule', { startAt: iso(startAt), endAt: iso(startAt + 30 * MINUTE) });
    await run(id);
    expect(status(id).phase).toBe('ended');
    expect(world.actions).toEqual(['allocate', 'start', 'stop', 'delete']);
    expect(world.longestTimerMs).toBeGreaterThan(0);
    expect(world.longestTimerMs).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(MAX_TIMER_MS).toBeLessThanOrEqual(3 * DAY);
  });
});

describe('bounded custom status', () => {
  it('stays small however often the broadcast is rescheduled', async () => {
    const t0 = clock.now();
    const id = start('many-changes', t0 + 60 * MINUTE, t0 + 90 * MINUTE);
    for (let i = 0; i < 60; i++) {
      raise(id, 'Reschedule', { title: `change ${i}`, endAt: iso(t0 + (90 + i) * MINUTE) });
      await settle(id);
    }
    const current = status(id);
    expect(current.timeline.length).toBeLessThanOrEqual(15);
    expect(current.timelineDropped).toBeGreaterThan(0);
    expect(current.timeline[0]?.phase).toBe('scheduled');
    expect(current.endAt).toBe(iso(t0 + 149 * MINUTE));
    expect(customStatusBytes(current)).toBeLessThan(CUSTOM_STATUS_LIMIT_BYTES / 4);
    raise(id, 'Cancel');
    await run(id);
    expect(status(id).phase).toBe('cancelled');
  });
});

describe('changes after allocation', () => {
  it('gives the live event back when the start moves later than the pre-roll, and allocates again on the new plan', async () => {
    const t0 = clock.now();
    const id = start('moved-later', t0 + 20 * MINUTE, t0 + 40 * MINUTE);
    await run(id, () => status(id).phase === 'standby');
    expect(world.state).toBe('StandBy');
    raise(id, 'Reschedule', { startAt: iso(t0 + 120 * MINUTE), endAt: iso(t0 + 140 * MINUTE) });
    await run(id, () => world.state === 'Stopped');
    expect(status(id).phase).toBe('scheduled');
    await run(id);
    expect(status(id).phase).toBe('ended');
    expect(world.actions).toEqual(['allocate', 'stop', 'allocate', 'start', 'stop', 'delete']);
  });
});

describe('settings changed after allocation', () => {
  it('sends what the live event can take to AMS and leaves out what it cannot', async () => {
    const t0 = clock.now();
    const id = start('changed-settings', t0 + 20 * MINUTE, t0 + 40 * MINUTE);
    await run(id, () => status(id).phase === 'standby');
    raise(id, 'Reschedule', { liveEvent: { inputIpAllow: ['10.0.0.0/8'], protocol: 'FragmentedMP4' } });
    await run(id);
    expect(status(id).phase).toBe('ended');
    expect(world.updates).toHaveLength(1);
    expect(world.updates[0]).toMatchObject({ inputIpAllow: ['10.0.0.0/8'], protocol: 'RTMP' });
    expect(status(id).timeline.map((e) => e.note)).toContain('not applied: liveEvent.protocol');
  });
});

describe('the end of a live broadcast', () => {
  it('asks for the stop first (the live output goes with it), then removes what may be left of the output once stopped', async () => {
    const t0 = clock.now();
    const id = start('stop-first', t0 + 20 * MINUTE, t0 + 40 * MINUTE);
    await run(id, () => status(id).phase === 'live');
    const live = world.calls.length;
    await run(id);
    expect(status(id).phase).toBe('ended');
    const atTheEnd = world.calls.slice(live);
    // Billing ends with the stop: no output delete and no state read may delay it.
    expect(atTheEnd[0]).toBe('stop');
    expect(atTheEnd.filter((c) => c === 'stop')).toHaveLength(1);
    expect(atTheEnd.indexOf('removeLiveOutput')).toBeGreaterThan(atTheEnd.indexOf('read'));
    expect(world.state).toBeUndefined(); // stopped and deleted
  });
});

describe('timer lateness', () => {
  it('records how late the pre-roll timers fired', async () => {
    const t0 = clock.now();
    const id = start('late-timers', t0 + 20 * MINUTE, t0 + 40 * MINUTE);
    await run(id, undefined, () => 7_000);
    expect(status(id).phase).toBe('ended');
    expect(status(id).measured?.timerLatenessMs).toBe(7_000);
  });
});

describe('encoder-driven notices', () => {
  const notices = (id: string) =>
    history(id)
      .filter((e) => e.EventType === 4 && e.Name === 'publishNotification')
      .map((e) => JSON.parse(String(e.Input)) as { type: string; occurredAt: string });

  it('sends starting_soon and ending_soon at their lead times, and ending_soon again when the end moves later', async () => {
    const t0 = clock.now();
    const startAt = t0 + 30 * MINUTE;
    const endAt = t0 + 60 * MINUTE;
    const id = 'soon-notices';
    const spec = input(id, startAt, endAt);
    driver.host.engine.startNew('broadcastLifecycle', `broadcast-${id}`, JSON.stringify({ ...spec, policy: { ...spec.policy, startingSoonLeadMs: 10 * MINUTE, endingSoonLeadMs: 5 * MINUTE } }));
    await run(`broadcast-${id}`, () => notices(`broadcast-${id}`).some((n) => n.type === 'broadcast.ending_soon'));
    raise(`broadcast-${id}`, 'Extend', { endAt: iso(endAt + 10 * MINUTE) });
    await run(`broadcast-${id}`);
    const sent = notices(`broadcast-${id}`);
    const at = (type: string) => sent.filter((n) => n.type === type).map((n) => Date.parse(n.occurredAt));
    expect(at('broadcast.starting_soon')).toEqual([startAt - 10 * MINUTE]);
    expect(at('broadcast.ending_soon')).toEqual([endAt - 5 * MINUTE, endAt + 5 * MINUTE]);
    expect(status(`broadcast-${id}`).phase).toBe('ended');
  });

  it('applies encoder events of its own live event and account only, each once', async () => {
    const t0 = clock.now();
    const id = start('encoder-own', t0 + 20 * MINUTE, t0 + 40 * MINUTE);
    await run(id, () => status(id).phase === 'live');
    const event = { id: 'e1', kind: 'connected', time: iso(clock.now()), liveEventName: 'bc-encoder-own', account: { subscriptionId: 's', resourceGroup: 'rg', accountName: 'a' } };
    raise(id, 'EncoderEvent', event);
    raise(id, 'EncoderEvent', event); // redelivered
    raise(id, 'EncoderEvent', { ...event, id: 'e2', account: { ...event.account, accountName: 'other' } });
    raise(id, 'EncoderEvent', { ...event, id: 'e3', liveEventName: 'bc-someone-else' });
    raise(id, 'EncoderEvent', { ...event, id: 'e4', kind: 'disconnected', time: iso(clock.now() - 1_000) }); // older than the connect
    await settle(id);
    expect(status(id).encoder).toMatchObject({ connected: true, events: 1, foreign: 1 });
    expect(notices(id).filter((n) => n.type === 'broadcast.encoder_connected')).toHaveLength(1);
    expect(notices(id).filter((n) => n.type === 'broadcast.encoder_disconnected')).toHaveLength(0);
    await run(id);
    expect(status(id)).toMatchObject({ phase: 'ended', encoder: { connected: false } });
  });
});
