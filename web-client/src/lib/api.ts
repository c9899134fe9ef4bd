/*
 * All HTTP traffic between the web client and the phonghop server goes through the modules under
 * api/, one per concern; this module exports all of them, so the rest of the client imports from
 * here alone.
 *
 *   api/core.ts           the transport: fetch and uploads, the anti-forgery token, a lost session
 *   api/errors.ts         ApiError and the client's own error codes
 *   api/session.ts        login, logout, the session; bodies, their sites and rosters
 *   api/meetings.ts       meetings, agenda, sittings, invitations, attendance
 *   api/public.ts         the public view and the hall screens
 *   api/documents.ts      documents, uploads, access, receipts, notes, written consultations
 *   api/floor.ts          the floor
 *   api/votes.ts          votes and elections, ballots, counts, the tally committee
 *   api/record.ts         recordings, corrections, the minutes
 *   api/notifications.ts  notifications
 *   api/client.ts         ApiClient, all of the above together, and `api`, the page's one client
 */
export * from './api/core';
export * from './api/errors';
export * from './api/session';
export * from './api/meetings';
export * from './api/public';
export * from './api/documents';
export * from './api/floor';
export * from './api/votes';
export * from './api/record';
export * from './api/notifications';
export * from './api/client';
