import type { Appointment, AppointmentParticipant, Schedule, Slot } from 'fhir/r4';
import { FULL_ACCESS } from '../access/access-policy.ts';
import { badRequest, FhirError, notFound } from '../errors.ts';
import type { Interaction, InteractionOptions, InteractionResult } from '../interaction.ts';
import { AccessGuard } from '../local/access-guard.ts';
import type { ResourceStore, StoredVersion } from '../local/resource-store.ts';
import { readParameters, referencedId } from './parameters.ts';

/** What the operations run on: the embedded store, and the engine that validates, versions and indexes writes. */
export interface OperationDeps {
  readonly store: ResourceStore;
  readonly engine: { executeSync(interaction: Interaction, options: InteractionOptions): InteractionResult };
  readonly fhirBaseUrl: string;
  readonly now: () => Date;
}

/** The diagnostics the portal shows when someone else booked the time first (contracts.md, "Booking"). */
export const SLOT_TAKEN = 'This time was just taken; please choose another';

const BOOK_PARAMETERS = {
  slot: { kind: 'valueReference', required: true },
  comment: { kind: 'valueString' },
  patient: { kind: 'valueReference' },
} as const;

const CANCEL_PARAMETERS = { reason: { kind: 'valueString' } } as const;

/**
 * `POST [base]/Appointment/$book`: books a free Slot for a patient in one SQLite transaction — the
 * Appointment is created (validated, versioned and indexed like any create, within the caller's
 * permission to create Appointments in that patient's compartment) and the Slot set busy, or
 * neither. Transactions on one database connection run one at a time, so of two requests for one
 * Slot exactly one finds it free.
 */
export function bookAppointment(body: unknown, options: InteractionOptions, deps: OperationDeps): InteractionResult {
  const params = readParameters('$book', body, BOOK_PARAMETERS);
  const restriction = options.access.restrict('Appointment', 'c');
  const slotId = referencedId(params.slot!, 'Slot', deps.fhirBaseUrl, 'slot');
  const patientId = bookingPatient(restriction.patientId, params.patient, deps);

  return deps.store.transaction(() => {
    if (!deps.store.isLive(`Patient/${patientId}`)) throw notFound(`Patient/${patientId} is not known`);
    const slotVersion = live(deps.store, 'Slot', slotId);
    const slot = JSON.parse(slotVersion.content!) as Slot;
    if (Date.parse(slot.start) <= deps.now().getTime()) {
      throw new FhirError(422, 'business-rule', 'This time has passed; please choose another');
    }
    if (slot.status !== 'free') throw new FhirError(409, 'conflict', SLOT_TAKEN);

    const schedule = scheduleOf(deps.store, slot);
    const appointment: Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      ...(slot.serviceType ?? schedule?.serviceType ? { serviceType: slot.serviceType ?? schedule?.serviceType } : {}),
      start: slot.start,
      end: slot.end,
      minutesDuration: Math.round((Date.parse(slot.end) - Date.parse(slot.start)) / 60_000),
      slot: [{ reference: `Slot/${slotId}` }],
      created: deps.now().toISOString(),
      ...(params.comment !== undefined ? { comment: params.comment } : {}),
      participant: participants(patientId, schedule),
    };
    // The caller's own permission: a patient/ token creates only inside its patient's compartment.
    const created = deps.engine.executeSync({ kind: 'create', type: 'Appointment', body: appointment }, inner(options, options.access));
    // The Slot is the practice's, not the patient's: the operation itself marks it busy.
    write(deps, 'Slot', slotVersion, { ...slot, status: 'busy' });
    return created;
  });
}

/**
 * `POST [base]/Appointment/{id}/$cancel`: cancels an Appointment the caller may update (another
 * patient's is 404, like a missing one) and frees its Slots that are still ahead, in one transaction.
 */
export function cancelAppointment(id: string, body: unknown, options: InteractionOptions, deps: OperationDeps): InteractionResult {
  const params = readParameters('$cancel', body, CANCEL_PARAMETERS);
  const restriction = options.access.restrict('Appointment', 'u');
  const guard = new AccessGuard(deps.store);

  return deps.store.transaction(() => {
    const version = live(deps.store, 'Appointment', id);
    guard.requireVisible('Appointment', id, restriction);
    const appointment = JSON.parse(version.content!) as Appointment;
    if (appointment.status === 'cancelled') throw new FhirError(409, 'conflict', 'This appointment is already cancelled');
    if (appointment.status !== 'booked' && appointment.status !== 'pending' && appointment.status !== 'proposed') {
      throw new FhirError(422, 'business-rule', `An appointment that is ${appointment.status} cannot be cancelled`);
    }
    const now = deps.now().getTime();
    if (appointment.start !== undefined && Date.parse(appointment.start) <= now) {
      throw new FhirError(422, 'business-rule', 'This appointment has already begun and cannot be cancelled');
    }

    const cancelled: Appointment = {
      ...appointment,
      status: 'cancelled',
      ...(params.reason !== undefined ? { cancelationReason: { text: params.reason } } : {}),
    };
    const result = deps.engine.executeSync(
      { kind: 'update', type: 'Appointment', id, body: cancelled, ifMatch: String(version.versionId) },
      inner(options, options.access),
    );
    for (const reference of appointment.slot ?? []) {
      const slotId = /^Slot\/([A-Za-z0-9\-.]{1,64})$/.exec(reference.reference ?? '')?.[1];
      const slotVersion = slotId === undefined ? undefined : deps.store.current('Slot', slotId);
      if (!slotVersion || slotVersion.deleted) continue;
      const slot = JSON.parse(slotVersion.content!) as Slot;
      if (slot.status === 'busy' && Date.parse(slot.start) > now) write(deps, 'Slot', slotVersion, { ...slot, status: 'free' });
    }
    return result;
  });
}

/** The patient the booking is for: the token's own (patient/ scopes), or the `patient` parameter (user/, system/). */
function bookingPatient(tokenPatient: string | undefined, parameter: string | undefined, deps: OperationDeps): string {
  const named = parameter === undefined ? undefined : referencedId(parameter, 'Patient', deps.fhirBaseUrl, 'patient');
  if (tokenPatient !== undefined) {
    if (named !== undefined && named !== tokenPatient) {
      throw new FhirError(403, 'forbidden', "The access token's patient/ scopes do not reach other patients");
    }
    return tokenPatient;
  }
  if (named === undefined) throw badRequest('$book needs the parameter "patient" when the access token has no patient in context');
  return named;
}

function live(store: ResourceStore, type: 'Slot' | 'Appointment', id: string): StoredVersion {
  const version = store.current(type, id);
  if (!version || version.deleted) throw notFound(`${type}/${id} is not known`);
  return version;
}

function scheduleOf(store: ResourceStore, slot: Slot): Schedule | undefined {
  const id = /^Schedule\/([A-Za-z0-9\-.]{1,64})$/.exec(slot.schedule?.reference ?? '')?.[1];
  const version = id === undefined ? undefined : store.current('Schedule', id);
  return version && !version.deleted ? (JSON.parse(version.content!) as Schedule) : undefined;
}

/** The patient, the Schedule's practitioner (the clinician the time belongs to) and its location. */
function participants(patientId: string, schedule: Schedule | undefined): AppointmentParticipant[] {
  const actors = schedule?.actor ?? [];
  const practitioner = actors.find((a) => a.reference?.startsWith('Practitioner/'));
  const location = actors.find((a) => a.reference?.startsWith('Location/'));
  const list: AppointmentParticipant[] = [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted', required: 'required' }];
  if (practitioner?.reference) {
    const actor = { reference: practitioner.reference, ...(practitioner.display ? { display: practitioner.display } : {}) };
    list.push({ actor, status: 'accepted', required: 'required' });
  }
  if (location?.reference) list.push({ actor: { reference: location.reference }, status: 'accepted', required: 'information-only' });
  return list;
}

/** Writes a new version of a resource the operation changes on its own authority (the Slot). */
function write(deps: OperationDeps, type: 'Slot', current: StoredVersion, resource: Slot): void {
  const interaction: Interaction = { kind: 'update', type, id: current.id, body: resource, ifMatch: String(current.versionId) };
  deps.engine.executeSync(interaction, inner({ strict: false, returnPreference: 'minimal' }, FULL_ACCESS));
}

/**
 * Options for the writes an operation is made of: the operation is what the audit trail records,
 * once, so its parts carry no audit hook of their own.
 */
function inner(options: Pick<InteractionOptions, 'strict' | 'returnPreference'>, access: InteractionOptions['access']): InteractionOptions {
  return { strict: options.strict, returnPreference: options.returnPreference, access };
}
