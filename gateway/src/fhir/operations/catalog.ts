/**
 * The FHIR operations this server runs (http://hl7.org/fhir/R4/operations.html): the request
 * parser routes to them, the CapabilityStatement lists them. Both are Portico's own, on the
 * embedded store; each runs in one database transaction.
 */
export interface OperationInfo {
  /** With the `$`, as in the URL. */
  readonly name: '$book' | '$cancel';
  readonly type: 'Appointment';
  /** `type`: POST [base]/Type/$name; `instance`: POST [base]/Type/id/$name. */
  readonly level: 'type' | 'instance';
  readonly documentation: string;
}

export const OPERATIONS: readonly OperationInfo[] = [
  {
    name: '$book',
    type: 'Appointment',
    level: 'type',
    documentation:
      'Books a free Slot: Parameters slot (valueReference Slot/id), comment (valueString, optional), patient (valueReference ' +
      'Patient/id, for user/ and system/ tokens). Creates a booked Appointment for the patient and the Slot\'s practitioner and ' +
      'marks the Slot busy, in one transaction. 201 with the Appointment; 409 if the Slot is no longer free; 422 if it has passed.',
  },
  {
    name: '$cancel',
    type: 'Appointment',
    level: 'instance',
    documentation:
      'Cancels an Appointment: Parameters reason (valueString, optional). Sets status cancelled and frees its future Slots, in one ' +
      'transaction. 200 with the Appointment; 409 if it is already cancelled; 422 if it has begun.',
  },
];

/** The operation `name` on `type` at `level`, if this server runs it. */
export function findOperation(type: string, name: string, level: OperationInfo['level']): OperationInfo | undefined {
  return OPERATIONS.find((o) => o.type === type && o.name === name && o.level === level);
}
