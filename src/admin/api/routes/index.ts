import type { ApiRoute } from '../route-table.js';
import { auditRoutes } from './audit.js';
import { clientRoutes } from './clients.js';
import { resourceRoutes } from './resources.js';
import { userRoutes } from './users.js';

/** Every admin API route, once: mount.ts serves these and openapi.ts documents these. */
export const ADMIN_API_ROUTES: readonly ApiRoute[] = [...userRoutes, ...clientRoutes, ...resourceRoutes, ...auditRoutes];
