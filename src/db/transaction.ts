import type { Knex } from 'knex';
import type { AppError } from '../shared/errors';
import { violatedConstraint } from './errors';

/** Which typed error a named constraint's refusal becomes (e.g. a unique index → "already enrolled"). */
export type ConstraintErrors = Readonly<Record<string, () => AppError>>;

/**
 * Runs `work` in one transaction. When PostgreSQL refuses it with a constraint the
 * service named, the caller gets that typed error; any other refusal reaches the error
 * handler, which answers every constraint error the same way (409, nothing saved).
 */
export async function inTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>, constraintErrors: ConstraintErrors = {}): Promise<T> {
  try {
    return await db.transaction(work);
  } catch (error) {
    const constraint = violatedConstraint(error)?.constraint;
    const translate = constraint ? constraintErrors[constraint] : undefined;
    throw translate ? translate() : error;
  }
}
