/**
 * The admin service: plain functions over the stores that the admin console, the admin
 * API and the `latchkey` CLI all call, so each admin action has one implementation, one
 * set of checks and one audit event naming who did it (an Actor). Koa-free.
 */
export * from './context.js';
export * from './cursor.js';
export * from './users-read.js';
export * from './users-write.js';
export * from './clients.js';
export * from './resources.js';
export * from './audit.js';
export * from './user-api-keys.js';
