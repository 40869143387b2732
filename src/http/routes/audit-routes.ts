/** The audit log (design.md §9): every mutating request and background action, newest first. */
import { currentAccess } from '../../core/access/access-context.js';
import type { AuditQuery, AuditStorePort } from '../../core/access/audit.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { auditListSchema, auditQuerySchema } from '../schemas/access-schemas.js';
import { serializeAuditEntry } from '../serializers/access-serializer.js';


export function auditRoutes(audit: Pick<AuditStorePort, 'list'>): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/audit',
      operationId: 'listAudit',
      summary: "Audit entries, newest first; filter by project, since, action, key. A project's admin sees its project's entries.",
      tag: 'audit',
      auth: true,
      role: 'admin',
      request: { query: auditQuerySchema },
      response: auditListSchema,
      errorStatuses: [403],
      handle({ query }) {
        const access = currentAccess();
        // A project's key asking for another project sees nothing, as if it had no entries.
        const project = access.projectFilter ?? query.project;
        const hidden = access.projectFilter !== undefined && query.project !== undefined && query.project !== access.projectFilter;
        const filter: AuditQuery = {
          limit: query.limit,
          offset: query.offset,
          ...(project !== undefined && { project }),
          ...(query.since !== undefined && { since: new Date(query.since) }),
          ...(query.action !== undefined && { action: query.action }),
          ...(query.key !== undefined && { keyId: query.key }),
        };
        const { entries, total } = hidden ? { entries: [], total: 0 } : audit.list(filter);
        return Promise.resolve({
          message: `${String(entries.length)} of ${String(total)} audit entr${total === 1 ? 'y' : 'ies'}.`,
          data: { entries: entries.map(serializeAuditEntry), total, limit: query.limit, offset: query.offset },
        });
      },
    }),
  ];
}
