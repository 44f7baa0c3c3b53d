import { beforeAll, describe, expect, it } from 'vitest';
import { compartmentParams } from '../../gateway/src/fhir/access/patient-compartment.ts';
import { SERVED_RESOURCES } from '../../gateway/src/fhir/search-parameters.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
let statement: any;

beforeAll(async () => {
  gw = await startTestGateway();
  const res = await gw.fhir('/fhir/metadata', { token: null });
  expect(res.status).toBe(200);
  statement = await json(res);
});

const rest = () => statement.rest[0];
const resource = (type: string) => rest().resource.find((r: any) => r.type === type);

describe('GET /fhir/metadata', () => {
  it('is served without a token, as FHIR JSON', async () => {
    const res = await gw.fhir('/fhir/metadata', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/fhir+json; charset=utf-8');
    expect(res.headers.get('WWW-Authenticate')).toBeNull();
  });

  it('is a CapabilityStatement for FHIR 4.0.1 in JSON, for this server instance', () => {
    expect(statement.resourceType).toBe('CapabilityStatement');
    expect(statement.fhirVersion).toBe('4.0.1');
    expect(statement.kind).toBe('instance');
    expect(statement.status).toBe('active');
    expect(statement.format).toContain('application/fhir+json');
    expect(statement.format.some((f: string) => /xml/.test(f))).toBe(false);
    expect(statement.implementation.url).toBe('http://localhost/fhir');
    expect(statement.rest).toHaveLength(1);
    expect(rest().mode).toBe('server');
  });

  it('advertises SMART on FHIR security with CORS', () => {
    expect(rest().security.cors).toBe(true);
    expect(rest().security.service[0].coding[0].code).toBe('SMART-on-FHIR');
  });

  it('lists exactly the served resource types', () => {
    const listed = rest().resource.map((r: any) => r.type).sort();
    expect(listed).toEqual(Object.keys(SERVED_RESOURCES).sort());
  });

  it.each(Object.entries(SERVED_RESOURCES))('lists exactly the indexed search parameters of %s (its table entry and patient-compartment parameters), plus _id and _lastUpdated', (type, params) => {
    const names = resource(type).searchParam.map((p: any) => p.name).sort();
    const compartment = compartmentParams(type) ?? [];
    expect(names).toEqual([...new Set([...params, ...compartment, '_id', '_lastUpdated'])].sort());
    for (const param of resource(type).searchParam) {
      expect(['token', 'string', 'date', 'reference']).toContain(param.type);
      expect(param.definition).toMatch(/^http:\/\/hl7\.org\/fhir\/SearchParameter\//);
    }
  });

  it('gives the HL7 types of well-known parameters', () => {
    const typeOf = (type: string, name: string) => resource(type).searchParam.find((p: any) => p.name === name).type;
    expect(typeOf('Patient', 'name')).toBe('string');
    expect(typeOf('Patient', 'birthdate')).toBe('date');
    expect(typeOf('Patient', 'identifier')).toBe('token');
    expect(typeOf('Observation', 'subject')).toBe('reference');
    expect(typeOf('Observation', '_id')).toBe('token');
    expect(typeOf('Observation', '_lastUpdated')).toBe('date');
  });

  it.each(Object.keys(SERVED_RESOURCES))('offers read, vread, update, delete, history-instance, create and search-type on %s', (type) => {
    const codes = resource(type).interaction.map((i: any) => i.code).sort();
    expect(codes).toEqual(['create', 'delete', 'history-instance', 'read', 'search-type', 'update', 'vread']);
    expect(resource(type).versioning).toBe('versioned-update');
    expect(resource(type).updateCreate).toBe(true);
    expect(resource(type).conditionalCreate).toBe(true);
  });

  it('offers transaction and batch at the system level', () => {
    expect(rest().interaction.map((i: any) => i.code).sort()).toEqual(['batch', 'transaction']);
  });

  it('lists the includes that work, built from the reference parameters', async () => {
    expect(resource('Observation').searchInclude).toEqual(expect.arrayContaining(['Observation:patient', 'Observation:subject']));
    expect(resource('Appointment').searchInclude).toEqual(expect.arrayContaining(['Appointment:actor', 'Appointment:patient']));
    expect(resource('Patient').searchRevInclude).toEqual(expect.arrayContaining(['Observation:subject', 'Appointment:actor']));
    // An advertised _revinclude is accepted by the search.
    for (const rule of resource('Patient').searchRevInclude) {
      const res = await gw.fhir(`/fhir/Patient?_revinclude=${rule}`);
      expect(res.status, rule).toBe(200);
    }
    for (const rule of resource('Observation').searchInclude) {
      const res = await gw.fhir(`/fhir/Observation?_include=${rule}`);
      expect(res.status, rule).toBe(200);
    }
  });

  it('advertises no parameter that search refuses', async () => {
    for (const [type, params] of Object.entries(SERVED_RESOURCES)) {
      for (const param of params) {
        const res = await gw.fhir(`/fhir/${type}?${param}:missing=true`, { headers: { Prefer: 'handling=strict' } });
        expect(res.status, `${type}.${param}`).toBe(200);
      }
    }
  });
});
