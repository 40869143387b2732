/** The audit log (design.md §9): every mutating request and background action, newest first. */
import { currentAccess } from '../../core/access/access-context.js';
import type { AuditQuery, AuditStorePort } from '../../core/access/audit.js';
import type { RouteDefinition } from '../route-definition.js';
import { auditListSchema, auditQuerySchema } from '../schemas/access-schemas.js';
import { serializeAuditEntry } from '../serializers/access-serializer.js';

interface ListQuery { project?: string; since?: string; action?: string; key?: string; limit: number; offset: number }

export function auditRoutes(audit: Pick<AuditStorePort, 'list'>): RouteDefinition[] {
  return [
    {
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
        const q = query as unknown as ListQuery;
        const access = currentAccess();
        // A project's key asking for another project sees nothing, as if it had no entries.
        const project = access.projectFilter ?? q.project;
        const hidden = access.projectFilter !== undefined && q.project !== undefined && q.project !== access.projectFilter;
        const filter: AuditQuery = {
          limit: q.limit,
          offset: q.offset,
          ...(project !== undefined && { project }),
          ...(q.since !== undefined && { since: new Date(q.since) }),
          ...(q.action !== undefined && { action: q.action }),
          ...(q.key !== undefined && { keyId: q.key }),
        };
        const { entries, total } = hidden ? { entries: [], total: 0 } : audit.list(filter);
        return Promise.resolve({
          message: `${String(entries.length)} of ${String(total)} audit entr${total === 1 ? 'y' : 'ies'}.`,
          data: { entries: entries.map(serializeAuditEntry), total, limit: q.limit, offset: q.offset },
        });
      },
    },
  ];
}
