import { describe, expect, it } from 'vitest';
import { carriesData, grantedScopes, scopeList } from './granted-scopes.ts';

describe('granted scopes', () => {
  it('are worded as on the consent screen', () => {
    expect(grantedScopes(['patient/Observation.rs', 'online_access'])).toEqual([
      { scope: 'patient/Observation.rs', description: 'See your health measurements and test results' },
      { scope: 'online_access', description: 'Keep access while you are signed in' },
    ]);
  });

  it('tell data scopes from identity, launch and access-duration scopes', () => {
    for (const scope of ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'online_access', 'offline_access']) {
      expect(carriesData(scope), scope).toBe(false);
    }
    for (const scope of ['patient/Observation.rs', 'patient/*.read', 'user/Patient.r', 'urn:example:custom']) expect(carriesData(scope), scope).toBe(true);
  });

  it('split a scope string into distinct scopes', () => {
    expect(scopeList(' openid  patient/Patient.r openid ')).toEqual(['openid', 'patient/Patient.r']);
  });
});
