// The store keeps large inputs and ExecutionStarted rows in memory: what it returns is always what SQLite holds,
// across continue-as-new, purges and rolled-back transactions.
import { describe, expect, it } from 'vitest';
import { DurableStore, type InstanceRow } from '../../devhost/engine/store.js';
import { tempDb } from './support.js';

const large = (tag: string) => JSON.stringify({ tag, slots: 'x'.repeat(20_000) });
const row = (executionId: string, input: string | null): InstanceRow => ({
  id: 'ledger', name: 'capacityLedger', executionId, status: 'Running', input, output: null, customStatus: null,
  createdAt: 0, updatedAt: 0, parentId: null, parentSlot: null, engineState: '{}',
});
const started = (input: string) => JSON.stringify({ EventType: 0, Input: input });

describe('DurableStore (kept inputs)', () => {
  it('returns what SQLite holds after continue-as-new, a purge and a rolled-back transaction', () => {
    const store = new DurableStore(tempDb());
    store.putInstance(row('e1', large('one')));
    store.appendHistory('ledger', 'e1', 0, [started(large('one')), '{"EventType":12}']);
    expect(store.getInput('ledger')).toBe(large('one'));
    expect(store.history('ledger', 'e1')).toEqual([started(large('one')), '{"EventType":12}']);
    // Read again (now from memory), with the rows appended since.
    store.appendHistory('ledger', 'e1', 2, ['{"EventType":13}']);
    expect(store.history('ledger', 'e1')).toEqual([started(large('one')), '{"EventType":12}', '{"EventType":13}']);
    expect(store.getInput('ledger')).toBe(large('one'));

    // Continue-as-new: a new execution with a new input.
    store.putInstance(row('e2', large('two')));
    store.appendHistory('ledger', 'e2', 0, [started(large('two'))]);
    expect(store.getInput('ledger')).toBe(large('two'));
    expect(store.history('ledger', 'e2')).toEqual([started(large('two'))]);

    // A transaction that wrote a new input and read it, then failed: the input is the committed one.
    expect(() =>
      store.transaction(() => {
        store.putInstance(row('e3', large('three')));
        expect(store.getInput('ledger')).toBe(large('three'));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(store.getInput('ledger')).toBe(large('two'));

    // Purged.
    store.deleteInstance('ledger');
    expect(store.getInput('ledger')).toBeNull();
    expect(store.history('ledger', 'e2')).toEqual([]);
    store.close();
  });
});
