import { AppError, type ErrorDetail } from './app-error.js';

/** What a 403 names: the role the route needs (and whether it needs a key for every project). */
export interface AccessDetail extends ErrorDetail {
  readonly required_role: string;
  readonly all_projects: boolean;
}

/** 403: the key is valid but may not do this (its role is too weak, or the route needs an all-projects key). */
export class ForbiddenError extends AppError {
  readonly statusCode = 403;
  readonly code = 'forbidden';

  constructor(message: string, needs?: { role: string; allProjects: boolean }) {
    const details: AccessDetail[] =
      needs === undefined
        ? []
        : [{ path: '', message: `needs the ${needs.role} role${needs.allProjects ? ' and a key for all projects' : ''}`, required_role: needs.role, all_projects: needs.allProjects }];
    super(message, details);
  }
}
