/*
 * The secretariat's uploads: a queue of files, sent one at a time (a remote hall's line is better
 * used by one transfer than shared by ten), each with its own progress bar.
 *
 * The bar follows the bytes the browser has sent (XMLHttpRequest upload progress). When they have
 * all gone the server still checks the file's type by content and stores it under its SHA-256;
 * that step shows as "processing" until the answer comes. A failed upload keeps its file and
 * metadata so that "try again" is one tap; a cancelled one leaves nothing on the server (it
 * deletes an upload that did not finish).
 */
import { writable, type Readable } from 'svelte/store';
import { ApiError, UPLOAD_ABORTED, type DocumentDetail, type UploadHandle, type UploadMetadata, type UploadProgress } from './api';

export type UploadPhase = 'queued' | 'uploading' | 'processing' | 'done' | 'failed' | 'cancelled';

export interface UploadJob {
  readonly id: number;
  readonly file: Blob;
  readonly metadata: UploadMetadata;
  phase: UploadPhase;
  loaded: number;
  /** The size as the browser reports it while sending (else the file's). */
  total: number;
  /** The uploaded document, once done. */
  document: DocumentDetail | null;
  error: unknown;
}

export type Uploader = (file: Blob, metadata: UploadMetadata, onProgress: (p: UploadProgress) => void) => UploadHandle;

/** Whole percent of a transfer, 0..100; 100 only when every byte went. */
export function uploadPercent(loaded: number, total: number): number {
  if (total <= 0) return 0;
  if (loaded >= total) return 100;
  return Math.min(99, Math.floor((loaded / total) * 100));
}

/** "1.5 MB", "820 kB", "12 B": sizes as the secretariat reads them (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

export class UploadQueue implements Readable<UploadJob[]> {
  private jobs: UploadJob[] = [];
  private readonly store = writable<UploadJob[]>([]);
  private counter = 0;
  private running: { job: UploadJob; handle: UploadHandle } | null = null;

  readonly subscribe = this.store.subscribe;

  /** onDone runs after each successful upload (the view reloads its document list). */
  constructor(
    private readonly uploader: Uploader,
    private readonly onDone: (document: DocumentDetail) => void = () => {},
  ) {}

  add(file: Blob, metadata: UploadMetadata): number {
    const job: UploadJob = {
      id: ++this.counter,
      file,
      metadata,
      phase: 'queued',
      loaded: 0,
      total: file.size,
      document: null,
      error: null,
    };
    this.jobs = [...this.jobs, job];
    this.publish();
    this.pump();
    return job.id;
  }

  cancel(id: number): void {
    const job = this.jobs.find((candidate) => candidate.id === id);
    if (job === undefined) return;
    if (this.running?.job === job) {
      this.running.handle.abort(); // the failure handler marks it cancelled
    } else if (job.phase === 'queued') {
      job.phase = 'cancelled';
      this.publish();
    }
  }

  retry(id: number): void {
    const job = this.jobs.find((candidate) => candidate.id === id);
    if (job === undefined || (job.phase !== 'failed' && job.phase !== 'cancelled')) return;
    job.phase = 'queued';
    job.loaded = 0;
    job.error = null;
    this.publish();
    this.pump();
  }

  /** Forgets finished, failed and cancelled jobs. */
  clearFinished(): void {
    this.jobs = this.jobs.filter((job) => job.phase === 'queued' || job.phase === 'uploading' || job.phase === 'processing');
    this.publish();
  }

  get busy(): boolean {
    return this.running !== null;
  }

  private pump(): void {
    if (this.running !== null) return;
    const job = this.jobs.find((candidate) => candidate.phase === 'queued');
    if (job === undefined) return;
    job.phase = 'uploading';
    this.publish();
    const handle = this.uploader(job.file, job.metadata, (progress) => {
      job.loaded = progress.loaded;
      if (progress.total !== null) job.total = progress.total;
      if (job.phase === 'uploading' && job.total > 0 && job.loaded >= job.total) job.phase = 'processing';
      this.publish();
    });
    this.running = { job, handle };
    handle.done.then(
      (document) => {
        job.phase = 'done';
        job.loaded = job.total;
        job.document = document;
        this.finish();
        this.onDone(document);
      },
      (error: unknown) => {
        job.phase = error instanceof ApiError && error.code === UPLOAD_ABORTED ? 'cancelled' : 'failed';
        job.error = error;
        this.finish();
      },
    );
  }

  private finish(): void {
    this.running = null;
    this.publish();
    this.pump();
  }

  /** Views get copies, so that a change is a new object to them; the queue keeps its own. */
  private publish(): void {
    this.store.set(this.jobs.map((job) => ({ ...job })));
  }
}
