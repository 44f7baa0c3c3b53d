/** The patient portal's own SMART client, registered by the gateway at start-up (contract.md, "URLs"). */
export const PORTAL_CLIENT_ID = 'portico-portal';

/**
 * What the portal asks for: the patient in context, sign-in identity, a refresh token that lives as
 * long as the gateway sign-in (`online_access`, not `offline_access`: a browser is no place for a
 * long-lived credential), and the data its pages read and write.
 */
export const PORTAL_SCOPES = [
  'openid',
  'fhirUser',
  'launch/patient',
  'online_access',
  'patient/Patient.r',
  'patient/Practitioner.rs',
  'patient/Schedule.rs',
  'patient/Slot.rs',
  'patient/Appointment.crus',
  'patient/Observation.crs',
  'patient/DocumentReference.rs',
].join(' ');
