/**
 * Durable state in SQLite: instances, their history (append-only), an inbox of events waiting to be
 * delivered (timers carry the time they become visible) and pending activity work. Every episode is
 * committed in one transaction, so a crash loses nothing that was committed and repeats nothing
 * that completed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';
export const terminalStatuses: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export interface InstanceRow {
  id: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdAt: number;
  updatedAt: number;
  parentId: string | null;
  parentSlot: number | null;
  /** JSON of the engine's per-execution bookkeeping (sequence numbers, retries, long timers). */
  engineState: string;
}

export interface InboxRow {
  seq: number;
  instanceId: string;
  /** The execution the message belongs to; null = whichever is current (client-raised events). */
  executionId: string | null;
  visibleAt: number;
  event: string;
}

/** A timer trigger's schedule status, kept like the host's blob-stored ScheduleStatus. */
export interface ScheduleStatusRow {
  functionName: string;
  last: number;
  next: number;
  lastUpdated: number;
}

export interface WorkRow {
  seq: number;
  instanceId: string;
  executionId: string;
  slot: number;
  name: string;
  input: string | null;
}

export interface ListFilter {
  createdFrom?: number;
  createdTo?: number;
  statuses?: RuntimeStatus[];
  idPrefix?: string;
  /** Resume after this instance id (continuation token). */
  after?: string;
  limit?: number;
}

const require = createRequire(import.meta.url);
const CHECKPOINT_INTERVAL_MS = 250;
/**
 * Inputs (and the ExecutionStarted rows that repeat them) at least this large are kept in memory once read, for
 * the KEPT_EXECUTIONS instances read last: an instance with a large input (the capacity ledger, ~250 KB with
 * 10,000 slots) runs an episode every few milliseconds under load, and copying its input out of SQLite twice
 * per episode was a tenth of the host's thread. Both never change within an execution.
 */
const KEPT_INPUT_CHARS = 8_192;
const KEPT_EXECUTIONS = 32;
/** The checkpointing thread: its own connection, a passive checkpoint (never waits for, nor blocks, the writer). */
const CHECKPOINTER = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file);
setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
`;

export class DurableStore {
  readonly #db: Database.Database;
  /** Statements prepared once and reused: preparing costs more than running most of them. */
  readonly #statements = new Map<string, Database.Statement>();
  /** One reusable transaction wrapper (nested calls become savepoints). */
  readonly #transaction: (fn: () => unknown) => unknown;
  /** Large inputs and ExecutionStarted rows by instance (see KEPT_INPUT_CHARS); least recently used first. */
  readonly #kept = new Map<string, { executionId?: string; input?: string | null; started?: string }>();

  /** Checkpoints the WAL on its own connection, off the event loop (see CHECKPOINTER). */
  readonly #checkpointer: Worker | undefined;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    // A checkpoint copies the WAL into the database and syncs both: milliseconds to tens of milliseconds of
    // fsync that, run by the committing connection, would stall every HTTP request and episode. A worker
    // thread checkpoints instead; the main connection only steps in if the WAL grows past ~64 MB.
    this.#db.pragma('busy_timeout = 5000');
    if (file !== ':memory:') {
      this.#db.pragma('wal_autocheckpoint = 16384');
      this.#checkpointer = new Worker(CHECKPOINTER, { eval: true, workerData: { file, sqlite: require.resolve('better-sqlite3'), intervalMs: CHECKPOINT_INTERVAL_MS } });
      this.#checkpointer.unref();
      this.#checkpointer.on('error', () => undefined); // a failed checkpointer leaves the main connection's fallback
    }
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS instances (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, executionId TEXT NOT NULL, status TEXT NOT NULL,
        input TEXT, output TEXT, customStatus TEXT, createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL,
        parentId TEXT, parentSlot INTEGER, engineState TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS instances_created ON instances (createdAt);
      CREATE TABLE IF NOT EXISTS history (
        instanceId TEXT NOT NULL, executionId TEXT NOT NULL, position INTEGER NOT NULL, event TEXT NOT NULL,
        PRIMARY KEY (instanceId, executionId, position));
      CREATE TABLE IF NOT EXISTS inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, instanceId TEXT NOT NULL, visibleAt INTEGER NOT NULL, event TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS inbox_instance ON inbox (instanceId, visibleAt, seq);
      DROP INDEX IF EXISTS inbox_visible;
      CREATE TABLE IF NOT EXISTS work (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, instanceId TEXT NOT NULL, executionId TEXT NOT NULL,
        slot INTEGER NOT NULL, name TEXT NOT NULL, input TEXT);
      CREATE INDEX IF NOT EXISTS work_instance ON work (instanceId);
      CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS timer_status (
        functionName TEXT PRIMARY KEY, last INTEGER NOT NULL, next INTEGER NOT NULL, lastUpdated INTEGER NOT NULL);
    `);
    // Databases from before inbox rows were tagged with their execution.
    const inboxColumns = this.#db.prepare('PRAGMA table_info(inbox)').all() as Array<{ name: string }>;
    if (!inboxColumns.some((c) => c.name === 'executionId')) this.#db.exec('ALTER TABLE inbox ADD COLUMN executionId TEXT');
    this.#transaction = this.#db.transaction((fn: () => unknown) => fn());
  }

  #sql(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.#transaction(fn) as T;
    } catch (error) {
      this.#kept.clear(); // it may hold what the rolled-back transaction read of its own writes
      throw error;
    }
  }

  close(): void {
    void this.#checkpointer?.terminate();
    this.#db.close();
  }

  getInstance(id: string): InstanceRow | undefined {
    return this.#sql('SELECT * FROM instances WHERE id = ?').get(id) as InstanceRow | undefined;
  }

  /**
   * The instance without its input (`input` null): what most steps need. A ledger-like instance carries a
   * large input, and copying it out of SQLite on every status read and episode step is most of their cost.
   */
  getInstanceHead(id: string): InstanceRow | undefined {
    return this.#sql(
      'SELECT id, name, executionId, status, NULL AS input, output, customStatus, createdAt, updatedAt, parentId, parentSlot, engineState FROM instances WHERE id = ?',
    ).get(id) as InstanceRow | undefined;
  }

  getInput(id: string): string | null {
    const kept = this.#keptFor(id);
    if (kept?.input !== undefined) return kept.input;
    const input = (this.#sql('SELECT input FROM instances WHERE id = ?').get(id) as { input: string | null } | undefined)?.input ?? null;
    if (input !== null && input.length >= KEPT_INPUT_CHARS) this.#keep(id, { ...kept, input });
    return input;
  }

  /** Writes what an episode changes (never the input, which only start and continue-as-new set). */
  updateInstance(row: InstanceRow): void {
    this.#sql(
      `UPDATE instances SET executionId = @executionId, status = @status, output = @output, customStatus = @customStatus,
         updatedAt = @updatedAt, engineState = @engineState WHERE id = @id`,
    ).run({ id: row.id, executionId: row.executionId, status: row.status, output: row.output, customStatus: row.customStatus, updatedAt: row.updatedAt, engineState: row.engineState });
  }

  putInstance(row: InstanceRow): void {
    this.#kept.delete(row.id);
    this.#sql(
        `INSERT INTO instances VALUES (@id, @name, @executionId, @status, @input, @output, @customStatus, @createdAt,
           @updatedAt, @parentId, @parentSlot, @engineState)
         ON CONFLICT (id) DO UPDATE SET name = @name, executionId = @executionId, status = @status, input = @input,
           output = @output, customStatus = @customStatus, createdAt = @createdAt, updatedAt = @updatedAt,
           parentId = @parentId, parentSlot = @parentSlot, engineState = @engineState`,
      )
      .run(row);
  }

  listInstances(filter: ListFilter): InstanceRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (filter.createdFrom !== undefined) add('createdAt >= ?', filter.createdFrom);
    if (filter.createdTo !== undefined) add('createdAt <= ?', filter.createdTo);
    if (filter.statuses?.length) add(`status IN (${filter.statuses.map(() => '?').join(',')})`, ...filter.statuses);
    if (filter.idPrefix) add('id >= ? AND id < ?', filter.idPrefix, filter.idPrefix + '\uffff');
    if (filter.after) add('id > ?', filter.after);
    const sql = `SELECT * FROM instances ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id LIMIT ?`;
    return this.#sql(sql).all(...args, filter.limit ?? -1) as InstanceRow[];
  }

  deleteInstance(id: string): boolean {
    this.#kept.delete(id);
    this.#sql('DELETE FROM history WHERE instanceId = ?').run(id);
    this.#sql('DELETE FROM inbox WHERE instanceId = ?').run(id);
    this.#sql('DELETE FROM work WHERE instanceId = ?').run(id);
    return this.#sql('DELETE FROM instances WHERE id = ?').run(id).changes > 0;
  }

  history(instanceId: string, executionId: string): string[] {
    const kept = this.#keptFor(instanceId);
    if (kept?.started !== undefined && kept.executionId === executionId) {
      const rest = this.#sql('SELECT event FROM history WHERE instanceId = ? AND executionId = ? AND position > 0 ORDER BY position').all(instanceId, executionId) as Array<{ event: string }>;
      return [kept.started, ...rest.map((r) => r.event)];
    }
    const rows = this.#sql('SELECT event FROM history WHERE instanceId = ? AND executionId = ? ORDER BY position')
      .all(instanceId, executionId) as Array<{ event: string }>;
    const started = rows[0]?.event;
    if (started !== undefined && started.length >= KEPT_INPUT_CHARS) this.#keep(instanceId, { ...(kept?.executionId === executionId ? kept : {}), executionId, started });
    return rows.map((r) => r.event);
  }

  /** The kept entry, now the most recently used. */
  #keptFor(instanceId: string) {
    const kept = this.#kept.get(instanceId);
    if (kept) this.#keep(instanceId, kept);
    return kept;
  }

  #keep(instanceId: string, entry: { executionId?: string; input?: string | null; started?: string }): void {
    this.#kept.delete(instanceId);
    this.#kept.set(instanceId, entry);
    if (this.#kept.size > KEPT_EXECUTIONS) this.#kept.delete(this.#kept.keys().next().value as string);
  }

  appendHistory(instanceId: string, executionId: string, from: number, events: string[]): void {
    const insert = this.#sql('INSERT INTO history VALUES (?, ?, ?, ?)');
    events.forEach((event, i) => insert.run(instanceId, executionId, from + i, event));
  }

  deleteHistory(instanceId: string): void {
    this.#kept.delete(instanceId);
    this.#sql('DELETE FROM history WHERE instanceId = ?').run(instanceId);
  }

  enqueue(instanceId: string, event: string, visibleAt: number, executionId: string | null): number {
    return Number(
      this.#sql('INSERT INTO inbox (instanceId, visibleAt, event, executionId) VALUES (?, ?, ?, ?)').run(instanceId, visibleAt, event, executionId).lastInsertRowid,
    );
  }

  /** The oldest event that is visible now, if any. */
  nextVisible(instanceId: string, now: number): InboxRow | undefined {
    return this.#sql('SELECT * FROM inbox WHERE instanceId = ? AND visibleAt <= ? ORDER BY visibleAt, seq LIMIT 1')
      .get(instanceId, now) as InboxRow | undefined;
  }

  /**
   * The oldest events visible now, up to `limit`: what one episode receives (Azure Storage hands an
   * orchestration work item every message of the instance its dequeued batch holds).
   */
  visibleBatch(instanceId: string, now: number, limit: number): InboxRow[] {
    return this.#sql('SELECT * FROM inbox WHERE instanceId = ? AND visibleAt <= ? ORDER BY visibleAt, seq LIMIT ?')
      .all(instanceId, now, limit) as InboxRow[];
  }

  dequeue(seq: number): void {
    this.#sql('DELETE FROM inbox WHERE seq = ?').run(seq);
  }

  clearInbox(instanceId: string): void {
    this.#sql('DELETE FROM inbox WHERE instanceId = ?').run(instanceId);
  }

  /** When the instance's next event becomes visible (indexed: no scan of other instances). */
  nextVisibleAt(instanceId: string): number | undefined {
    const row = this.#sql('SELECT MIN(visibleAt) AS at FROM inbox WHERE instanceId = ?').get(instanceId) as { at: number | null };
    return row.at ?? undefined;
  }

  /** Instances with an event visible by `now`, and the future visibility times to arm timers for. */
  pendingInbox(): Array<{ instanceId: string; visibleAt: number }> {
    return this.#sql('SELECT instanceId, MIN(visibleAt) AS visibleAt FROM inbox GROUP BY instanceId').all() as Array<{
      instanceId: string;
      visibleAt: number;
    }>;
  }

  addWork(row: Omit<WorkRow, 'seq'>): number {
    return Number(
      this.#sql('INSERT INTO work (instanceId, executionId, slot, name, input) VALUES (@instanceId, @executionId, @slot, @name, @input)')
        .run(row).lastInsertRowid,
    );
  }

  getWork(seq: number): WorkRow | undefined {
    return this.#sql('SELECT * FROM work WHERE seq = ?').get(seq) as WorkRow | undefined;
  }

  allWork(): WorkRow[] {
    return this.#sql('SELECT * FROM work ORDER BY seq').all() as WorkRow[];
  }

  deleteWork(seq: number): boolean {
    return this.#sql('DELETE FROM work WHERE seq = ?').run(seq).changes > 0;
  }

  clearWork(instanceId: string): void {
    this.#sql('DELETE FROM work WHERE instanceId = ?').run(instanceId);
  }

  scheduleStatus(functionName: string): ScheduleStatusRow | undefined {
    return this.#sql('SELECT * FROM timer_status WHERE functionName = ?').get(functionName) as ScheduleStatusRow | undefined;
  }

  putScheduleStatus(row: ScheduleStatusRow): void {
    this.#sql('INSERT INTO timer_status VALUES (@functionName, @last, @next, @lastUpdated) ON CONFLICT (functionName) DO UPDATE SET last = @last, next = @next, lastUpdated = @lastUpdated')
      .run(row);
  }

  /** A host secret (like the host's keys in blob storage): created once with `generate`, then kept. */
  secret(name: string, generate: () => string): string {
    this.#sql('INSERT OR IGNORE INTO secrets VALUES (?, ?)').run(name, generate());
    return (this.#sql('SELECT value FROM secrets WHERE name = ?').get(name) as { value: string }).value;
  }
}
