import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from 'fhir/r4';
import type { AuditEventRecord } from '../db/audit-records.ts';

/**
 * Audit rows as FHIR R4 AuditEvents shaped after IHE Basic Audit Log Patterns (BALP,
 * https://profiles.ihe.net/ITI/BALP/): `rest` events carry the RESTful interaction as subtype, the
 * user (requestor) and the app as agents, the gateway as observer, and the patient (role 1) and the
 * resource (role 4) as entities. Token, sign-in and admin events use the DICOM event types, with the
 * Portico action as subtype.
 */

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
/** Portico's own action codes (the `action` column), for what no standard code system names. */
export const PORTICO_ACTION_SYSTEM = 'urn:portico:audit-action';
/** Identifier system of OAuth client ids and of gateway user ids. */
export const CLIENT_ID_SYSTEM = 'urn:ietf:params:oauth:client-id';
export const USER_ID_SYSTEM = 'urn:portico:user-id';

const BALP_PROFILES: Readonly<Record<string, string>> = {
  create: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Create',
  read: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read',
  vread: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read',
  update: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Update',
  delete: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Delete',
  search: 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Query',
};

/** Our action → the FHIR restful-interaction code. */
const INTERACTIONS: Readonly<Record<string, string>> = {
  read: 'read',
  vread: 'vread',
  history: 'history-instance',
  search: 'search-type',
  create: 'create',
  update: 'update',
  delete: 'delete',
  operation: 'operation',
  batch: 'batch',
  transaction: 'transaction',
};

const CRUDE: Readonly<Record<string, AuditEvent['action']>> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  history: 'R',
  update: 'U',
  delete: 'D',
};

const TYPES: Readonly<Record<Exclude<AuditEventRecord['category'], 'rest'>, Coding>> = {
  login: { system: DCM, code: '110114', display: 'User Authentication' },
  token: { system: DCM, code: '110114', display: 'User Authentication' },
  admin: { system: DCM, code: '110100', display: 'Application Activity' },
};

const LOGIN_SUBTYPES: Readonly<Record<string, Coding>> = {
  'sign-in': { system: DCM, code: '110122', display: 'Login' },
  mfa: { system: DCM, code: '110122', display: 'Login' },
  'sign-out': { system: DCM, code: '110123', display: 'Logout' },
};

export interface BalpOptions {
  /** The FHIR base URL, for the observer and absolute references. */
  readonly fhirBaseUrl: string;
}

/** One audit row as a BALP-shaped R4 AuditEvent. */
export function toAuditEvent(record: AuditEventRecord, options: BalpOptions): AuditEvent {
  const subtype = subtypesOf(record);
  const profile = record.category === 'rest' ? BALP_PROFILES[record.action] : undefined;
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: record.id,
    ...(profile ? { meta: { profile: [profile] } } : {}),
    type: record.category === 'rest' ? { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' } : TYPES[record.category],
    subtype,
    action: record.category === 'rest' ? (CRUDE[record.action] ?? 'E') : 'E',
    recorded: record.recordedAt.toISOString(),
    outcome: outcomeCode(record),
    ...(record.detail ? { outcomeDesc: record.detail } : {}),
    agent: agentsOf(record),
    source: {
      observer: { display: 'Portico gateway', identifier: { value: options.fhirBaseUrl } },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
  };
  const entity = entitiesOf(record);
  if (entity.length > 0) event.entity = entity;
  return event;
}

function subtypesOf(record: AuditEventRecord): Coding[] {
  const own: Coding = { system: PORTICO_ACTION_SYSTEM, code: record.action };
  if (record.category === 'rest') {
    const interaction = INTERACTIONS[record.action];
    return interaction ? [{ system: RESTFUL_INTERACTION, code: interaction }, ...(interaction === record.action ? [] : [own])] : [own];
  }
  const login = record.category === 'login' ? LOGIN_SUBTYPES[record.action] : undefined;
  return login ? [login, own] : [own];
}

/** 0 success, 4 minor failure (refused: 401/403), 8 serious failure, 12 major failure (a server error). */
function outcomeCode(record: AuditEventRecord): AuditEvent['outcome'] {
  if (record.outcome === 'success') return '0';
  if (record.outcome === 'denied') return '4';
  return /^5\d\d$/.test(record.detail?.split(' ').at(-1) ?? '') ? '12' : '8';
}

function agentsOf(record: AuditEventRecord): AuditEventAgent[] {
  const network = record.sourceAddress ? { network: { address: record.sourceAddress, type: networkType(record.sourceAddress) } } : {};
  const agents: AuditEventAgent[] = [];
  if (record.userId || record.fhirUser) {
    agents.push({
      type: { coding: [{ system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }] },
      who: {
        ...(record.fhirUser ? { reference: record.fhirUser } : {}),
        ...(record.userId ? { identifier: { system: USER_ID_SYSTEM, value: record.userId } } : {}),
      },
      requestor: true,
      ...network,
    });
  }
  if (record.clientId) {
    agents.push({
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      who: { identifier: { system: CLIENT_ID_SYSTEM, value: record.clientId } },
      // A backend service acts for itself: then the app is the requestor.
      requestor: agents.length === 0,
      ...(agents.length === 0 ? network : {}),
    });
  }
  if (agents.length === 0) {
    // Nobody identified (a request without a valid token): the address is all there is.
    agents.push({ type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] }, requestor: true, ...network });
  }
  return agents;
}

function entitiesOf(record: AuditEventRecord): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  if (record.patientId) {
    entities.push({
      what: { reference: `Patient/${record.patientId}` },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    });
  }
  if (record.resourceType) {
    const isPatient = record.resourceType === 'Patient' && record.resourceId === record.patientId;
    if (!isPatient || record.resourceId === null) {
      entities.push({
        what: record.resourceId ? { reference: `${record.resourceType}/${record.resourceId}` } : { type: record.resourceType },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
      });
    }
  }
  if (record.grantId) {
    entities.push({
      what: { identifier: { system: 'urn:portico:grant-id', value: record.grantId } },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      description: 'OAuth grant',
    });
  }
  if (record.requestId) {
    entities.push({ what: { identifier: { value: record.requestId } }, type: { system: BALP_ENTITY_TYPE, code: 'XrequestId', display: 'X-Request-Id' } });
  }
  return entities;
}

function networkType(address: string): '1' | '2' {
  // 2: an IP address; 1: a machine name.
  return /^[\d.]+$|:/.test(address) ? '2' : '1';
}
