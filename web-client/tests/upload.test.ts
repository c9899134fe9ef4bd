/* Uploads: the query-string metadata, XMLHttpRequest progress, errors, and the queue. */
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, UPLOAD_ABORTED, uploadQuery, type DocumentDetail, type UploadHandle, type XhrLike } from '../src/lib/api';
import { UploadQueue, formatBytes, uploadPercent } from '../src/lib/upload';

const DOC: DocumentDetail = {
  id: 4,
  meeting_id: 2,
  agenda_item_id: 7,
  title: 'Tờ trình',
  kind: 'to_trinh',
  classification: 'none',
  is_public: true,
  released_version: 0,
  restricted: false,
  versions: [],
};

/** A stand-in for XMLHttpRequest: the test plays the network and the server. */
class FakeXhr implements XhrLike {
  status = 0;
  responseText = '';
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: ((event: ProgressEvent) => void) | null = null;
  onerror: ((event: ProgressEvent) => void) | null = null;
  onabort: ((event: ProgressEvent) => void) | null = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = null;
  responseHeaders: Record<string, string> = {};

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  getResponseHeader(name: string): string | null {
    return this.responseHeaders[name] ?? null;
  }
  send(body: unknown): void {
    this.body = body;
  }
  abort(): void {
    this.onabort?.({} as ProgressEvent);
  }

  progress(loaded: number, total: number | null): void {
    this.upload.onprogress?.({ loaded, total: total ?? 0, lengthComputable: total !== null } as ProgressEvent);
  }
  answer(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.responseHeaders = headers;
    this.onload?.({} as ProgressEvent);
  }
}

function client() {
  const xhrs: FakeXhr[] = [];
  const fetch = vi.fn(async () => new Response(JSON.stringify({ user: { id: 1 }, csrf_token: 'tok', memberships: [] }), { status: 200 }));
  const api = new ApiClient({
    fetch,
    createXhr: () => {
      const xhr = new FakeXhr();
      xhrs.push(xhr);
      return xhr;
    },
  });
  return { api, xhrs };
}

describe('uploadQuery', () => {
  it('carries the metadata the documents API reads from the query string', () => {
    const query = new URLSearchParams(
      uploadQuery({ name: 'tờ trình 12.pdf', title: '  Tờ trình số 12  ', kind: 'to_trinh', classification: 'none', is_public: false, agenda_item_id: 7 }),
    );
    expect([...query]).toEqual([
      ['name', 'tờ trình 12.pdf'],
      ['title', 'Tờ trình số 12'],
      ['kind', 'to_trinh'],
      ['classification', 'none'],
      ['public', 'false'],
      ['agenda_item', '7'],
    ]);
  });

  it('only the name when nothing else is given (a new version)', () => {
    expect(uploadQuery({ name: 'a&b.pdf', title: ' ', agenda_item_id: null })).toBe('name=a%26b.pdf');
  });
});

describe('ApiClient.uploadDocument', () => {
  it('POSTs the file with the anti-forgery token and reports progress, then the document', async () => {
    const { api, xhrs } = client();
    await api.session();
    const file = new Blob(['%PDF-1.4 ...'], { type: 'application/pdf' });
    const progress: { loaded: number; total: number | null }[] = [];
    const handle = api.uploadDocument(2, file, { name: 'a.pdf', kind: 'to_trinh' }, (p) => progress.push(p));
    const xhr = xhrs[0] as FakeXhr;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/v1/meetings/2/documents?name=a.pdf&kind=to_trinh');
    expect(xhr.headers['X-Auth-Token']).toBe('tok');
    expect(xhr.headers['Content-Type']).toBe('application/pdf');
    expect(xhr.body).toBe(file);
    xhr.progress(4, 12);
    xhr.progress(12, 12);
    xhr.answer(201, { document: DOC });
    await expect(handle.done).resolves.toEqual(DOC);
    expect(progress).toEqual([
      { loaded: 4, total: 12 },
      { loaded: 12, total: 12 },
    ]);
  });

  it('a refusal is an ApiError with the server\'s code (413 too_large, 422 classified_refused)', async () => {
    const { api, xhrs } = client();
    const handle = api.uploadDocument(2, new Blob(['x']), { name: 'big.pdf' });
    (xhrs[0] as FakeXhr).answer(413, { error: { code: 'too_large', message: 'document too large: 212 MB, limit 100 MB' } });
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 413, code: 'too_large' });
  });

  it('a broken connection, a cancel, and a 2xx without a document', async () => {
    const { api, xhrs } = client();
    const broken = api.uploadDocument(2, new Blob(['x']), { name: 'a.pdf' });
    (xhrs[0] as FakeXhr).onerror?.({} as ProgressEvent);
    await expect(broken.done).rejects.toMatchObject({ status: 0, code: 'network_error' });
    const cancelled = api.uploadDocument(2, new Blob(['x']), { name: 'a.pdf' });
    cancelled.abort();
    await expect(cancelled.done).rejects.toMatchObject({ code: UPLOAD_ABORTED });
    const odd = api.uploadDocument(2, new Blob(['x']), { name: 'a.pdf' });
    (xhrs[2] as FakeXhr).answer(201, '<html>');
    await expect(odd.done).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('a 401 during an upload means the session ended', async () => {
    const { api, xhrs } = client();
    const lost = vi.fn();
    api.onSessionLost(lost);
    const handle = api.uploadDocument(2, new Blob(['x']), { name: 'a.pdf' });
    (xhrs[0] as FakeXhr).answer(401, { error: { code: 'unauthenticated', message: 'sign in' } });
    await expect(handle.done).rejects.toMatchObject({ status: 401 });
    expect(lost).toHaveBeenCalledTimes(1);
  });
});

describe('progress as people read it', () => {
  it('whole percent, 100 only when every byte went', () => {
    expect(uploadPercent(0, 1000)).toBe(0);
    expect(uploadPercent(999, 1000)).toBe(99);
    expect(uploadPercent(1000, 1000)).toBe(100);
    expect(uploadPercent(5, 0)).toBe(0);
  });

  it('sizes in decimal units', () => {
    expect(formatBytes(598)).toBe('598 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(2_340_000)).toBe('2.3 MB');
    expect(formatBytes(212_000_000)).toBe('212 MB');
  });
});

describe('UploadQueue', () => {
  /** An uploader whose transfers the test finishes by hand. */
  function manual() {
    const transfers: {
      name: string;
      progress: (loaded: number, total: number) => void;
      finish: () => void;
      fail: (error: unknown) => void;
      aborted: boolean;
    }[] = [];
    const uploader = (_file: Blob, metadata: { name: string }, onProgress: (p: { loaded: number; total: number | null }) => void): UploadHandle => {
      let resolve!: (d: DocumentDetail) => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<DocumentDetail>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const transfer = {
        name: metadata.name,
        progress: (loaded: number, total: number) => onProgress({ loaded, total }),
        finish: () => resolve({ ...DOC, title: metadata.name }),
        fail: (error: unknown) => reject(error),
        aborted: false,
      };
      transfers.push(transfer);
      return {
        done,
        abort: () => {
          transfer.aborted = true;
          reject(new ApiError(0, UPLOAD_ABORTED, 'cancelled'));
        },
      };
    };
    return { transfers, uploader };
  }

  const tick = () => new Promise((r) => setTimeout(r, 0));
  const phases = (queue: UploadQueue) => {
    let jobs: { phase: string }[] = [];
    queue.subscribe((value) => (jobs = value))();
    return jobs.map((j) => j.phase);
  };

  it('sends one file at a time, in order, with uploading -> processing -> done', async () => {
    const { transfers, uploader } = manual();
    const done = vi.fn();
    const queue = new UploadQueue(uploader, done);
    queue.add(new Blob(['aaaa']), { name: 'a.pdf' });
    queue.add(new Blob(['bb']), { name: 'b.pdf' });
    expect(transfers.map((t) => t.name)).toEqual(['a.pdf']);
    expect(phases(queue)).toEqual(['uploading', 'queued']);
    transfers[0]?.progress(2, 4);
    expect(phases(queue)).toEqual(['uploading', 'queued']);
    transfers[0]?.progress(4, 4);
    expect(phases(queue)).toEqual(['processing', 'queued']);
    transfers[0]?.finish();
    await tick();
    expect(done).toHaveBeenCalledWith(expect.objectContaining({ title: 'a.pdf' }));
    expect(phases(queue)).toEqual(['done', 'uploading']);
    expect(transfers.map((t) => t.name)).toEqual(['a.pdf', 'b.pdf']);
  });

  it('a failure keeps the file for "try again"; a cancel stops the transfer', async () => {
    const { transfers, uploader } = manual();
    const queue = new UploadQueue(uploader);
    const a = queue.add(new Blob(['a']), { name: 'a.pdf' });
    const b = queue.add(new Blob(['b']), { name: 'b.pdf' });
    transfers[0]?.fail(new ApiError(0, 'network_error', 'down'));
    await tick();
    expect(phases(queue)).toEqual(['failed', 'uploading']);
    queue.cancel(b);
    await tick();
    expect(transfers[1]?.aborted).toBe(true);
    expect(phases(queue)).toEqual(['failed', 'cancelled']);
    queue.retry(a);
    expect(phases(queue)).toEqual(['uploading', 'cancelled']);
    expect(transfers).toHaveLength(3);
    transfers[2]?.finish();
    await tick();
    queue.clearFinished();
    expect(phases(queue)).toEqual([]);
  });

  it('a queued file can be cancelled before it starts', () => {
    const { transfers, uploader } = manual();
    const queue = new UploadQueue(uploader);
    queue.add(new Blob(['a']), { name: 'a.pdf' });
    const b = queue.add(new Blob(['b']), { name: 'b.pdf' });
    queue.cancel(b);
    expect(phases(queue)).toEqual(['uploading', 'cancelled']);
    expect(transfers).toHaveLength(1);
  });
});
