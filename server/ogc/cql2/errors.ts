// CQL2 errors: a 400 that says where the filter went wrong. The OGC error handler turns them into exceptions.
import { AppError } from '../../errors.ts';
import { filterTooComplex } from '../../features/condition.ts';

export const cql2Error = (message: string) => new AppError(400, 'invalid_filter', `CQL2 syntax error: ${message}`);

export { filterTooComplex };

/** Nesting a parser follows before giving up (the checker's limit is lower; this only protects the stack). */
export const MAX_PARSE_DEPTH = 64;

/** Longest filter text read at all. */
export const MAX_FILTER_LENGTH = 16_384;
