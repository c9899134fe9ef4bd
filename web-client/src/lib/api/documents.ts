/*
 * A meeting's documents: their versions and release, who may open them, read receipts, the
 * member's private notes, uploads (with progress), and written consultations on them.
 */
import { type ClientClass, type UploadProgress } from './core';
import { ApiError, BAD_RESPONSE, NETWORK_ERROR } from './errors';
import { expectArray, expectRecord, id, isRecord } from './internal';
import type { Role } from './session';

export type DocumentKind = 'to_trinh' | 'du_thao_nghi_quyet' | 'bao_cao_tham_tra' | 'other';
export type Classification = 'none' | 'mat' | 'toi_mat' | 'tuyet_mat';

export interface DocumentVersion {
  version: number;
  sha256: string;
  size: number;
  media_type: string;
  file_name: string;
  uploaded_at?: string;
  released?: boolean;
}

/** One line of GET /meetings/{id}/documents: the latest version the caller may open. */
export interface DocumentSummary {
  id: number;
  agenda_item_id: number | null;
  title: string;
  kind: DocumentKind;
  classification: Classification;
  is_public: boolean;
  /** 0 while only the secretariat may see it. */
  released_version: number;
  restricted: boolean;
  version: DocumentVersion | null;
  /** When the caller first opened it (the read receipt), or null. */
  opened_at: string | null;
}

export interface DocumentDetail {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  title: string;
  kind: DocumentKind;
  classification: Classification;
  is_public: boolean;
  released_version: number;
  restricted: boolean;
  versions: DocumentVersion[];
}

export interface DocumentNote {
  document_id: number;
  text: string;
  updated_at: string | null;
}

/** Who may open a document beyond the meeting's readers rule: nobody listed means everyone who may read the meeting. */
export interface DocumentAccess {
  restricted: boolean;
  users: { id: number; username: string; full_name: string }[];
  roles: Role[];
}

export interface DocumentReceipt {
  user_id: number;
  full_name: string;
  version: number | null;
  opened_at: string | null;
}

/** What travels with an upload, in its query string (the body is the file itself). */
export interface UploadMetadata {
  /** The file's name, for display. */
  name: string;
  title?: string;
  kind?: DocumentKind;
  classification?: Classification;
  is_public?: boolean;
  agenda_item_id?: number | null;
}

export interface UploadHandle {
  readonly done: Promise<DocumentDetail>;
  abort(): void;
}

export type ConsultationChoice = 'agree' | 'disagree' | 'other';

/** A written consultation (lấy ý kiến) on a released document, with the caller's own answer. */
export interface Consultation {
  id: number;
  document_id: number;
  question: string;
  deadline: string;
  created_at: string;
  open: boolean;
  /** How many have answered. */
  answers: number;
  my_answer: { choice: ConsultationChoice; comment: string; answered_at: string } | null;
}

export interface ConsultationResults {
  consultation: Consultation;
  answers: { user_id: number; full_name: string; choice: ConsultationChoice; comment: string; answered_at: string }[];
  counts: { agree: number; disagree: number; other: number; not_answered: number };
}

/** Documents and written consultations: mixed into ApiClient. */
export function withDocuments<Base extends ClientClass>(Base: Base) {
  return class DocumentsApi extends Base {
    async documents(meetingId: number): Promise<DocumentSummary[]> {
      return expectArray(await this.request<{ documents: DocumentSummary[] }>('GET', `/meetings/${id(meetingId)}/documents`), 'documents');
    }

    async document(documentId: number): Promise<DocumentDetail> {
      return expectRecord(await this.request<{ document: DocumentDetail }>('GET', `/documents/${id(documentId)}`), 'document');
    }

    /** Releases the latest (or the given) version to those who may open the document: a journal entry. */
    async releaseDocument(documentId: number, version?: number): Promise<DocumentDetail> {
      const body = version === undefined ? {} : { version };
      return expectRecord(
        await this.request<{ document: DocumentDetail }>('POST', `/documents/${id(documentId)}/release`, { body }),
        'document',
      );
    }

    /** Where a document's content is read: the viewer's source and the download link. */
    documentContentUrl(documentId: number, options: { version?: number; download?: boolean } = {}): string {
      const path =
        options.version === undefined
          ? `/documents/${id(documentId)}/content`
          : `/documents/${id(documentId)}/versions/${id(options.version)}/content`;
      return this.base + path + (options.download ? '?download=1' : '');
    }

    /**
     * The content of a document. Reading it is what records the member's read receipt (the server
     * keeps the first open), so the viewer calls this rather than prefetching anything.
     */
    async documentContent(documentId: number): Promise<ArrayBuffer> {
      const response = await this.send('GET', `/documents/${id(documentId)}/content`, undefined, false);
      try {
        return await response.arrayBuffer();
      } catch {
        throw new ApiError(response.status, NETWORK_ERROR, 'document content: the transfer broke off');
      }
    }

    async documentAccess(documentId: number): Promise<DocumentAccess> {
      return expectRecord(await this.request<{ access: DocumentAccess }>('GET', `/documents/${id(documentId)}/access`), 'access');
    }

    /** Restricts a document to these people and roles; both empty lifts the restriction. */
    async setDocumentAccess(documentId: number, users: number[], roles: Role[]): Promise<DocumentAccess> {
      return expectRecord(
        await this.request<{ access: DocumentAccess }>('PUT', `/documents/${id(documentId)}/access`, { body: { users, roles } }),
        'access',
      );
    }

    async receipts(documentId: number): Promise<{ receipts: DocumentReceipt[]; opened: number }> {
      const answer = await this.request<{ receipts: DocumentReceipt[]; opened: number }>('GET', `/documents/${id(documentId)}/receipts`);
      if (!isRecord(answer) || !Array.isArray(answer.receipts)) throw new ApiError(200, BAD_RESPONSE, 'expected {receipts}');
      return answer;
    }

    async note(documentId: number): Promise<DocumentNote> {
      return expectRecord(await this.request<{ note: DocumentNote }>('GET', `/documents/${id(documentId)}/note`), 'note');
    }

    /** Saves the member's private note; an empty text deletes it. */
    async saveNote(documentId: number, text: string): Promise<DocumentNote> {
      return expectRecord(
        await this.request<{ note: DocumentNote }>('PUT', `/documents/${id(documentId)}/note`, { body: { text } }),
        'note',
      );
    }

    /**
     * Uploads a new document. The body is the file itself and its metadata travels in the query
     * string (the server reads no custom headers under HTTP/2). XMLHttpRequest rather than fetch,
     * because only it reports upload progress. The answer is the document with its first version.
     */
    uploadDocument(meetingId: number, file: Blob, metadata: UploadMetadata, onProgress?: (p: UploadProgress) => void): UploadHandle {
      return this.postFile<DocumentDetail>(`/meetings/${id(meetingId)}/documents?${uploadQuery(metadata)}`, file, 'document', onProgress);
    }

    /** Uploads the next version of a document; only the file's name travels with it. */
    uploadVersion(documentId: number, file: Blob, name: string, onProgress?: (p: UploadProgress) => void): UploadHandle {
      return this.postFile<DocumentDetail>(`/documents/${id(documentId)}/versions?${uploadQuery({ name })}`, file, 'document', onProgress);
    }

    /* ---- written consultations ---- */

    async consultations(documentId: number): Promise<Consultation[]> {
      return expectArray(await this.request<{ consultations: Consultation[] }>('GET', `/documents/${id(documentId)}/consultations`), 'consultations');
    }

    async createConsultation(documentId: number, question: string, deadline: string): Promise<Consultation> {
      return expectRecord(
        await this.request<{ consultation: Consultation }>('POST', `/documents/${id(documentId)}/consultations`, { body: { question, deadline } }),
        'consultation',
      );
    }

    async answerConsultation(consultationId: number, choice: ConsultationChoice, comment: string): Promise<Consultation> {
      const body = comment.trim() === '' ? { choice } : { choice, comment: comment.trim() };
      return expectRecord(
        await this.request<{ consultation: Consultation }>('POST', `/consultations/${id(consultationId)}/answer`, { body }),
        'consultation',
      );
    }

    async consultationResults(consultationId: number): Promise<ConsultationResults> {
      const answer = await this.request<ConsultationResults>('GET', `/consultations/${id(consultationId)}/results`);
      if (!isRecord(answer) || !isRecord(answer.consultation) || !Array.isArray(answer.answers)) {
        throw new ApiError(200, BAD_RESPONSE, 'expected {consultation, answers, counts}');
      }
      return answer;
    }
  };
}

/** The query string of an upload: name (always), then the document's fields when given. */
export function uploadQuery(metadata: UploadMetadata): string {
  const query = new URLSearchParams();
  query.set('name', metadata.name);
  if (metadata.title !== undefined && metadata.title.trim() !== '') query.set('title', metadata.title.trim());
  if (metadata.kind !== undefined) query.set('kind', metadata.kind);
  if (metadata.classification !== undefined) query.set('classification', metadata.classification);
  if (metadata.is_public !== undefined) query.set('public', metadata.is_public ? 'true' : 'false');
  if (metadata.agenda_item_id !== undefined && metadata.agenda_item_id !== null) {
    query.set('agenda_item', String(metadata.agenda_item_id));
  }
  return query.toString();
}
