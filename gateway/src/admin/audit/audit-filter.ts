import type { AuditCategory, AuditFilter, AuditOutcome } from '../../db/audit-records.ts';
import type { UserRepository } from '../../db/store.ts';
import { ValidationError } from '../../validation-error.ts';

export const CATEGORIES: readonly AuditCategory[] = ['rest', 'token', 'login', 'admin'];
export const OUTCOMES: readonly AuditOutcome[] = ['success', 'denied', 'failure'];

/** The audit log form's fields, as typed (shown again above the results and carried by the pager and CSV link). */
export interface AuditFormValues {
  readonly patient: string;
  readonly client: string;
  readonly user: string;
  readonly category: string;
  readonly action: string;
  readonly outcome: string;
  /** YYYY-MM-DD, inclusive, UTC. */
  readonly from: string;
  /** YYYY-MM-DD, inclusive, UTC. */
  readonly to: string;
}

/** The filter form's fields as typed (trimmed, at most 200 characters; `Patient/` dropped from a patient id), checked later by {@link toAuditFilter}. */
export function readAuditForm(query: (name: string) => string | undefined): AuditFormValues {
  const text = (name: string) => (query(name) ?? '').trim().slice(0, 200);
  return {
    patient: text('patient').replace(/^Patient\//, ''),
    client: text('client'),
    user: text('user'),
    category: text('category'),
    action: text('action'),
    outcome: text('outcome'),
    from: text('from'),
    to: text('to'),
  };
}

/** The form's values as the repository's filter; the user is given by username. */
export async function toAuditFilter(values: AuditFormValues, users: UserRepository): Promise<AuditFilter> {
  const day = (field: string, value: string, plusDays: number) => {
    if (value === '') return undefined;
    const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw new ValidationError(field, 'use the form YYYY-MM-DD');
    return new Date(date.getTime() + plusDays * 86_400_000);
  };
  let userId: string | undefined;
  if (values.user !== '') {
    const user = await users.findByUsername(values.user);
    if (!user) throw new ValidationError('user', `there is no user named ${values.user}`);
    userId = user.id;
  }
  if (values.category !== '' && !CATEGORIES.includes(values.category as AuditCategory)) throw new ValidationError('category', 'choose one from the list');
  if (values.outcome !== '' && !OUTCOMES.includes(values.outcome as AuditOutcome)) throw new ValidationError('outcome', 'choose one from the list');
  const from = day('from', values.from, 0);
  const to = day('to', values.to, 1);
  if (from && to && from >= to) throw new ValidationError('to', 'must not be before the start date');
  return {
    ...(values.patient !== '' ? { patientId: values.patient } : {}),
    ...(values.client !== '' ? { clientId: values.client } : {}),
    ...(userId ? { userId } : {}),
    ...(values.category !== '' ? { category: values.category as AuditCategory } : {}),
    ...(values.action !== '' ? { action: values.action } : {}),
    ...(values.outcome !== '' ? { outcome: values.outcome as AuditOutcome } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** The form's non-empty values as a query string (pager links, CSV link). */
export function queryOf(values: AuditFormValues, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...values, ...extra })) if (value !== '') params.set(name, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
