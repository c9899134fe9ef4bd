/* A panel's list read from the server (sittings, corrections): loading, changes that reload it,
 * and what a failure leaves for the panel to show. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/lib/api';
import { ServerList } from '../src/lib/server-list.svelte';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ServerList', () => {
  it('is null until the first load answers, then holds what the server sent', async () => {
    const list = new ServerList(() => Promise.resolve(['Phiên khai mạc']));
    expect(list.items).toBeNull();
    expect(list.busy).toBe(false);
    await list.load();
    expect(list.items).toEqual(['Phiên khai mạc']);
    expect(list.failure).toBeNull();
  });

  it('keeps a failed load for the panel to show, and the list it had', async () => {
    let fail = false;
    const list = new ServerList(() => (fail ? Promise.reject(new ApiError(0, 'network_error', 'down')) : Promise.resolve([1, 2])));
    await list.load();
    fail = true;
    await list.load();
    expect(list.items).toEqual([1, 2]);
    expect(list.failure).toBeInstanceOf(ApiError);
  });

  it('a change is busy while it runs, clears an old failure, and reloads once it succeeds', async () => {
    const server: string[] = [];
    let loads = 0;
    const list = new ServerList(() => {
      loads++;
      return Promise.resolve([...server]);
    });
    list.failure = new Error('earlier');
    const saved = deferred<void>();
    const done = list.change(async () => {
      await saved.promise;
      server.push('Phiên bế mạc');
    });
    expect(list.busy).toBe(true);
    expect(list.failure).toBeNull();
    expect(loads).toBe(0);
    saved.resolve();
    await done;
    expect(list.busy).toBe(false);
    expect(loads).toBe(1);
    expect(list.items).toEqual(['Phiên bế mạc']);
  });

  it('a change the server refuses is kept as the failure and reloads nothing', async () => {
    let loads = 0;
    const list = new ServerList(() => {
      loads++;
      return Promise.resolve([]);
    });
    const refused = new ApiError(409, 'meeting_closed', 'closed');
    await list.change(() => Promise.reject(refused));
    expect(list.failure).toBe(refused);
    expect(list.busy).toBe(false);
    expect(loads).toBe(0);
  });
});
