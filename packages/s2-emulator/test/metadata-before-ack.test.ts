import { describe, expect, it } from "vitest";
import { normalizeBasinConfig } from "../src/config.js";
import { Account, Basin } from "../src/model/account.js";
import { MemoryStorage } from "../src/storage/memory.js";
import type { MetadataSnapshot, StoredRecord } from "../src/storage/storage.js";
import { records } from "./helpers.js";

/** A storage that logs what it is asked, and whose metadata writes finish when the test says. */
class GatedStorage extends MemoryStorage {
  readonly events: string[] = [];
  readonly pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  override saveMetadata(snapshot: MetadataSnapshot): Promise<void> {
    const streams = snapshot.basins.flatMap((basin) => basin.streams.map((s) => s.name));
    this.events.push(`metadata [${streams.join(",")}]`);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  override async append(_streamId: string, stored: readonly StoredRecord[]): Promise<void> {
    this.events.push(`append ${stored.map((r) => r.body.toString()).join(",")}`);
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function accountWithBasin(): Promise<{ account: Account; storage: GatedStorage }> {
  const storage = new GatedStorage();
  const account = new Account(storage, () => 1_700_000_000_000, 0);
  await account.load();
  account.basins.set("basin-one", new Basin("basin-one", 1, 0, normalizeBasinConfig(undefined)));
  return { account, storage };
}

describe("an append to a stream whose creation is not yet durable", () => {
  it("waits for the metadata naming the stream before it writes and acknowledges", async () => {
    const { account, storage } = await accountWithBasin();
    const basin = account.basin("basin-one");
    const created = account.createStream(basin, "s", undefined);
    // The stream is visible at once; an append finds it while its metadata is being written.
    const stream = await account.stream(basin, "s");
    let acked = false;
    const appended = stream
      .serialize(() =>
        stream.append({ stream: "s", records: records("r0") }, account.now(), account.storage),
      )
      .then(() => {
        acked = true;
      });
    await flush();
    expect(storage.events).toEqual(["metadata [s]"]);
    expect(acked).toBe(false);
    storage.pending.shift()!.resolve();
    await created;
    await appended;
    expect(storage.events).toEqual(["metadata [s]", "append r0"]);
  });

  it("writes the metadata again when the creation's write failed", async () => {
    const { account, storage } = await accountWithBasin();
    const basin = account.basin("basin-one");
    const created = account.createStream(basin, "s", undefined);
    const stream = await account.stream(basin, "s");
    const append = (body: string) =>
      stream.serialize(() =>
        stream.append({ stream: "s", records: records(body) }, account.now(), account.storage),
      );
    const first = append("r0");
    storage.pending.shift()!.reject(new Error("disk full"));
    await expect(created).rejects.toThrow("disk full");
    await flush();
    // The append wrote the metadata again rather than acknowledging a record recovery would drop.
    expect(storage.events).toEqual(["metadata [s]", "metadata [s]"]);
    storage.pending.shift()!.reject(new Error("still full"));
    await expect(first).rejects.toThrow("still full");
    const second = append("r1");
    await flush();
    storage.pending.shift()!.resolve();
    await second;
    expect(storage.events).toEqual(["metadata [s]", "metadata [s]", "metadata [s]", "append r1"]);
    const third = append("r2");
    await third;
    expect(storage.events.at(-1)).toBe("append r2");
    expect(storage.pending).toEqual([]);
  });
});
