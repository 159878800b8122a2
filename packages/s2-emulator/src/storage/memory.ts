import type { MetadataSnapshot, RecoveredState, Storage, StoredRecord } from "./storage.js";

/**
 * The default storage: nothing outlives the process. The emulator already holds the state in
 * memory, so every operation is a no-op.
 */
export class MemoryStorage implements Storage {
  async open(): Promise<RecoveredState> {
    return { metadata: undefined, records: new Map(), truncatedBytes: 0, repairs: [] };
  }

  async append(_streamId: string, _records: readonly StoredRecord[]): Promise<void> {}

  async saveMetadata(_snapshot: MetadataSnapshot): Promise<void> {}

  async dropStream(_streamId: string): Promise<void> {}

  async close(): Promise<void> {}
}
