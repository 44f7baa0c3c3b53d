import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  covers,
  formatScope,
  isSubsetOf,
  negotiateScopes,
  parseScope,
  parseScopes,
  permittedBy,
  type ResourceScope,
  type Scope,
} from './scopes.ts';

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const VITAL_SIGNS = `patient/Observation.rs?category=${OBSERVATION_CATEGORY}|vital-signs`;
const LABORATORY = `patient/Observation.rs?category=${OBSERVATION_CATEGORY}|laboratory`;

const scopes = (text: string): Scope[] => parseScopes(text).scopes;
const resource = (text: string): ResourceScope => {
  const scope = parseScope(text);
  if (scope?.kind !== 'resource') throw new Error(`not a resource scope: ${text}`);
  return scope;
};
const negotiated = (requested: string, allowed: string, options?: Parameters<typeof negotiateScopes>[2]): string[] =>
  negotiateScopes(scopes(requested), scopes(allowed), options).map((scope) => scope.raw);
const letters = (scope: Scope | undefined): string =>
  scope?.kind === 'resource' ? 'cruds'.split('').filter((p) => scope.permissions.has(p as never)).join('') : '';

describe('parseScope: resource scopes', () => {
  it.each([
    ['patient/Observation.read', 'rs'],
    ['patient/Observation.write', 'cud'],
    ['patient/Observation.*', 'cruds'],
    ['user/*.read', 'rs'],
  ])('maps v1 %s to %s', (text, expected) => {
    const scope = parseScope(text);
    expect(letters(scope)).toBe(expected);
    expect(scope).toMatchObject({ kind: 'resource', syntax: 'v1', query: [], raw: text });
  });

  it('reads level, type, permissions and syntax of a v2 scope', () => {
    expect(parseScope('system/Encounter.cud')).toEqual({
      kind: 'resource',
      level: 'system',
      resourceType: 'Encounter',
      permissions: new Set(['c', 'u', 'd']),
      syntax: 'v2',
      query: [],
      raw: 'system/Encounter.cud',
    });
  });

  it.each(['c', 'r', 's', 'rs', 'cu', 'rd', 'uds', 'cruds', 'crud'])('accepts in-order letters .%s', (suffix) => {
    expect(letters(parseScope(`patient/Observation.${suffix}`))).toBe(suffix);
  });

  it.each(['sr', 'dr', 'rr', 'dus', 'rsc', 'x', '', 'READ', 'reads', 'rw', 'cruds*'])('rejects out-of-order or undefined .%s', (suffix) => {
    expect(parseScope(`patient/Observation.${suffix}`)).toBeUndefined();
  });

  it.each([
    'patient/observation.rs',
    'Patient/Observation.rs',
    '*/Observation.rs',
    'practitioner/Observation.rs',
    'patient/Observation',
    'patient/.rs',
    'patient/Observation.rs ',
    'patient/Obser-vation.rs',
  ])('rejects malformed %s', (text) => {
    expect(parseScope(text)).toBeUndefined();
  });

  it('parses a granular category constraint literally, keeping the | and the URL', () => {
    const scope = resource(VITAL_SIGNS);
    expect(scope.query).toEqual([['category', `${OBSERVATION_CATEGORY}|vital-signs`]]);
    expect(scope.syntax).toBe('v2');
    expect(letters(scope)).toBe('rs');
  });

  it('parses several constraints, modifiers, chains and = inside values', () => {
    expect(resource('user/Observation.rs?code:in=http://vs.example.org/ValueSet/x&patient.birthdate=1990').query).toEqual([
      ['code:in', 'http://vs.example.org/ValueSet/x'],
      ['patient.birthdate', '1990'],
    ]);
    expect(resource('patient/Observation.s?code=a=b').query).toEqual([['code', 'a=b']]);
  });

  it('does not percent-decode constraint values', () => {
    expect(resource('patient/Observation.rs?category=http%3A%2F%2Fx%7Cy').query).toEqual([['category', 'http%3A%2F%2Fx%7Cy']]);
  });

  it.each([
    'patient/*.read?x=1',
    'patient/Observation.*?category=a',
    'patient/Observation.rs?',
    'patient/Observation.rs?category',
    'patient/Observation.rs?=x',
    'patient/Observation.rs?category=',
    'patient/Observation.rs?a=1&&b=2',
    'patient/Observation.rs?a=1&',
    'patient/Observation.rs?category="x"',
    'patient/Observation.rs?category=caf\u00e9',
  ])('rejects malformed constraints in %s', (text) => {
    expect(parseScope(text)).toBeUndefined();
  });
});

describe('parseScope: context and identity scopes', () => {
  it.each([
    ['launch', undefined],
    ['launch/patient', 'patient'],
    ['launch/encounter', 'encounter'],
    ['launch/imagingstudy', 'imagingstudy'],
  ])('parses %s', (text, context) => {
    expect(parseScope(text)).toEqual({ kind: 'launch', context, raw: text });
  });

  it('keeps the role of a launch scope', () => {
    expect(parseScope('launch/list?role=https://example.org/med-list-at-home')).toEqual({
      kind: 'launch',
      context: 'list',
      role: 'https://example.org/med-list-at-home',
      raw: 'launch/list?role=https://example.org/med-list-at-home',
    });
  });

  it.each(['launch/Patient', 'launch/', 'launch?role=x', 'launch/list?role=', 'launch/list?role=a&role=b', 'launch/list?purpose=x', 'launchx'])(
    'rejects %s',
    (text) => {
      expect(parseScope(text)).toBeUndefined();
    },
  );

  it.each(['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'] as const)('parses %s', (text) => {
    expect(parseScope(text)).toEqual({ kind: text, raw: text });
  });

  it.each(['__custom', 'https://ehr.example.org/scopes/profilePhoto.manage', '', 'OPENID', 'fhiruser', 'offline', 'email'])(
    'returns undefined for unknown %j',
    (text) => {
      expect(parseScope(text)).toBeUndefined();
    },
  );
});

describe('parseScopes', () => {
  it('splits on any run of whitespace, de-duplicates and keeps order', () => {
    const { scopes: parsed, unknown } = parseScopes('  launch/patient\tpatient/Patient.rs\n\nopenid launch/patient __x __x  ');
    expect(parsed.map((scope) => scope.raw)).toEqual(['launch/patient', 'patient/Patient.rs', 'openid']);
    expect(unknown).toEqual(['__x']);
  });

  it('returns nothing for an empty string', () => {
    expect(parseScopes('')).toEqual({ scopes: [], unknown: [] });
  });

  it('SL-10: separates unknown and unsupported scopes without failing', () => {
    const { scopes: parsed, unknown } = parseScopes('launch/patient patient/Patient.rs patient/Foo.rs __x patient/Observation.sr');
    expect(unknown).toEqual(['__x', 'patient/Observation.sr']);
    const granted = negotiateScopes(parsed, scopes('launch/patient patient/*.rs'), { resourceTypes: ['Patient', 'Observation'] });
    expect(granted.map((scope) => scope.raw)).toEqual(['launch/patient', 'patient/Patient.rs']);
  });
});

describe('formatScope', () => {
  it.each(['patient/Observation.read', 'patient/*.*', 'user/Appointment.cruds', VITAL_SIGNS, 'launch', 'launch/list?role=urn:x', 'fhirUser'])(
    'returns the text %s was parsed from',
    (text) => {
      expect(formatScope(parseScope(text)!)).toBe(text);
    },
  );

  it('writes v2 letters when v1 permissions have no v1 spelling', () => {
    const scope: ResourceScope = { ...resource('patient/Observation.read'), permissions: new Set(['r']) };
    expect(formatScope(scope)).toBe('patient/Observation.r');
  });
});

describe('covers', () => {
  it.each([
    ['patient/*.rs', 'patient/Observation.rs', true],
    ['patient/Observation.rs', 'patient/*.rs', false],
    ['patient/Observation.cruds', 'patient/Observation.rs', true],
    ['patient/Observation.rs', 'patient/Observation.rs', true],
    ['patient/Observation.read', 'patient/Observation.rs', true],
    ['patient/Observation.rs', 'patient/Observation.read', true],
    ['patient/Observation.r', 'patient/Observation.rs', false],
    ['patient/Observation.write', 'patient/Observation.r', false],
    ['patient/Observation.rs', 'user/Observation.rs', false],
    ['patient/Observation.rs', 'patient/Condition.rs', false],
    ['patient/Observation.rs', VITAL_SIGNS, true],
    [VITAL_SIGNS, 'patient/Observation.rs', false],
    [VITAL_SIGNS, VITAL_SIGNS, true],
    [VITAL_SIGNS, LABORATORY, false],
    [VITAL_SIGNS, `${VITAL_SIGNS}&code=http://loinc.org|8867-4`, true],
  ])('%s covers %s: %s', (granted, wanted, expected) => {
    expect(covers(resource(granted), resource(wanted))).toBe(expected);
  });
});

describe('negotiateScopes', () => {
  it('grants allowed requests unchanged, so v1 stays v1 and .rs is not split', () => {
    expect(negotiated('patient/Observation.read patient/Patient.rs', 'patient/*.rs')).toEqual(['patient/Observation.read', 'patient/Patient.rs']);
  });

  it('NG-17: never grants patient/*.cruds under a read-only allowance', () => {
    expect(negotiated('patient/*.cruds', 'patient/*.rs')).toEqual(['patient/*.rs']);
    expect(negotiated('patient/*.cruds', 'patient/*.rs', { narrow: false })).toEqual([]);
  });

  it('NG-17: does not grant user/ scopes under a patient-only allowance', () => {
    expect(negotiated('user/*.rs launch/patient', 'patient/*.rs launch/patient')).toEqual(['launch/patient']);
  });

  it('BS-11: narrows system/*.rs to the pre-authorised system/Patient.rs', () => {
    expect(negotiated('system/*.rs', 'system/Patient.rs')).toEqual(['system/Patient.rs']);
  });

  it('intersects types and permissions, writing narrowed scopes in v2 syntax', () => {
    expect(negotiated('patient/Observation.*', 'patient/*.rs patient/Observation.c')).toEqual(['patient/Observation.rs', 'patient/Observation.c']);
    expect(negotiated('patient/*.read', 'patient/Condition.rs patient/Observation.r')).toEqual(['patient/Condition.rs', 'patient/Observation.r']);
  });

  it('narrows a resource-level request to the allowed granular scope', () => {
    expect(negotiated('patient/Observation.rs', VITAL_SIGNS)).toEqual([VITAL_SIGNS]);
    expect(negotiated('patient/Observation.rs?code=x', 'patient/Observation.rs?status=final')).toEqual([
      'patient/Observation.rs?code=x&status=final',
    ]);
  });

  it('drops an intersection whose constraints conflict on the same parameter', () => {
    expect(negotiated(VITAL_SIGNS, LABORATORY)).toEqual([]);
  });

  it('SC-08: a granular request is not broadened', () => {
    expect(negotiated(`${VITAL_SIGNS} ${LABORATORY}`, 'patient/*.cruds')).toEqual([VITAL_SIGNS, LABORATORY]);
  });

  it('leaves out narrowed scopes that another granted scope already covers', () => {
    expect(negotiated('patient/*.rs', 'patient/Observation.rs patient/Observation.r')).toEqual(['patient/Observation.rs']);
    expect(negotiated('patient/*.rs patient/Observation.r', 'patient/Observation.rs')).toEqual(['patient/Observation.rs', 'patient/Observation.r']);
  });

  it('keeps the first of two narrowed scopes that cover each other', () => {
    expect(negotiated('patient/*.rs', 'patient/Observation.rs?category=a&code=x patient/Observation.rs?code=x&category=a')).toEqual([
      'patient/Observation.rs?category=a&code=x',
    ]);
  });

  it('grants context and identity scopes only when allowed', () => {
    expect(negotiated('launch launch/patient launch/encounter openid fhirUser offline_access', 'launch/patient openid fhirUser online_access')).toEqual([
      'launch/patient',
      'openid',
      'fhirUser',
    ]);
  });

  it('lets a role-less launch allowance cover a launch request with a role', () => {
    expect(negotiated('launch/list?role=urn:home launch/list', 'launch/list')).toEqual(['launch/list?role=urn:home', 'launch/list']);
    expect(negotiated('launch/list', 'launch/list?role=urn:home')).toEqual([]);
  });

  it('returns no duplicates', () => {
    expect(negotiated('patient/Patient.rs patient/Patient.rs openid openid', 'patient/*.rs openid')).toEqual(['patient/Patient.rs', 'openid']);
  });

  it('keeps wildcards but drops unserved concrete types when resourceTypes is given', () => {
    expect(negotiated('patient/*.rs patient/Foo.rs', 'patient/*.rs', { resourceTypes: new Set(['Patient']) })).toEqual(['patient/*.rs']);
    expect(negotiated('patient/*.rs', 'patient/Foo.rs patient/Patient.rs', { resourceTypes: ['Patient'] })).toEqual(['patient/Patient.rs']);
  });
});

describe('isSubsetOf', () => {
  const grant = scopes(`launch/patient openid fhirUser offline_access patient/Patient.read ${VITAL_SIGNS}`);

  it('RF-03: the full current grant is a subset of itself', () => {
    expect(isSubsetOf(grant, grant)).toBe(true);
    expect(isSubsetOf(scopes(grant.map(formatScope).join(' ')), grant)).toBe(true);
  });

  it('RF-04: accepts narrower requests', () => {
    expect(isSubsetOf(scopes('patient/Patient.rs'), grant)).toBe(true);
    expect(isSubsetOf(scopes('patient/Patient.r openid'), grant)).toBe(true);
    expect(isSubsetOf([], grant)).toBe(true);
  });

  it('RF-04: refuses wider requests', () => {
    expect(isSubsetOf(scopes('patient/*.cruds'), grant)).toBe(false);
    expect(isSubsetOf(scopes('patient/Observation.rs'), grant)).toBe(false);
    expect(isSubsetOf(scopes('patient/Patient.rs online_access'), grant)).toBe(false);
    expect(isSubsetOf(scopes('launch/encounter'), grant)).toBe(false);
  });
});

describe('permittedBy', () => {
  const granted = scopes(`patient/*.s patient/Observation.r ${VITAL_SIGNS} user/Observation.cruds openid`);

  it('returns the scopes of the level that allow the permission, wildcards included', () => {
    expect(permittedBy(granted, 'patient', 'Observation', 'r').map((scope) => scope.raw)).toEqual(['patient/Observation.r', VITAL_SIGNS]);
    expect(permittedBy(granted, 'patient', 'Observation', 's').map((scope) => scope.raw)).toEqual(['patient/*.s', VITAL_SIGNS]);
    expect(permittedBy(granted, 'patient', 'Condition', 'r')).toEqual([]);
    expect(permittedBy(granted, 'patient', 'Observation', 'c')).toEqual([]);
    expect(permittedBy(granted, 'system', 'Observation', 'r')).toEqual([]);
  });

  it('exposes granular constraints for the caller to apply', () => {
    const [, granular] = permittedBy(granted, 'patient', 'Observation', 'r');
    expect(granular?.query).toEqual([['category', `${OBSERVATION_CATEGORY}|vital-signs`]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

const QUERY_VALUE_CHARS = /^[\x21\x23-\x25\x27-\x5B\x5D-\x7E]{1,24}$/;
const level = fc.constantFrom('patient', 'user', 'system');
const typeName = fc.oneof(fc.constantFrom('*', 'Observation', 'Patient', 'Condition'), fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,12}$/));
const v2Letters = fc.subarray(['c', 'r', 'u', 'd', 's'], { minLength: 1 }).map((chosen) => chosen.join(''));
const constraint = fc.tuple(
  fc.oneof(fc.constantFrom('category', 'code', '_tag', 'code:in', 'patient.birthdate'), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,8}$/)),
  fc.oneof(fc.constantFrom(`${OBSERVATION_CATEGORY}|vital-signs`, 'http://loinc.org|8867-4', 'a=b'), fc.stringMatching(QUERY_VALUE_CHARS)),
);
const queryText = fc
  .array(constraint, { minLength: 1, maxLength: 3 })
  .map((constraints) => `?${constraints.map(([param, value]) => `${param}=${value}`).join('&')}`);
const resourceText = fc.oneof(
  fc.tuple(level, typeName, fc.constantFrom('read', 'write', '*')).map(([l, t, word]) => `${l}/${t}.${word}`),
  fc.tuple(level, typeName, v2Letters, fc.option(queryText, { nil: '' })).map(([l, t, p, q]) => `${l}/${t}.${p}${q}`),
);
const launchText = fc.oneof(
  fc.constant('launch'),
  fc.stringMatching(/^[a-z]{1,12}$/).map((context) => `launch/${context}`),
  fc.tuple(fc.stringMatching(/^[a-z]{1,12}$/), fc.stringMatching(/^[\x21\x23-\x25\x27-\x5B\x5D-\x7E]{1,24}$/)).map(([c, role]) => `launch/${c}?role=${role}`),
);
const scopeText = fc.oneof(resourceText, launchText, fc.constantFrom('openid', 'fhirUser', 'profile', 'offline_access', 'online_access'));

// A small vocabulary, so that requested and allowed sets overlap often.
const smallResourceText = fc
  .tuple(
    fc.constantFrom('patient', 'system'),
    fc.constantFrom('*', 'Observation', 'Patient'),
    fc.oneof(v2Letters, fc.constantFrom('read', 'write', '*')),
    fc.subarray(['category=a', 'category=b', 'code=x']),
  )
  .map(([l, t, p, q]) => (q.length === 0 || !/^[cruds]+$/.test(p) ? `${l}/${t}.${p}` : `${l}/${t}.${p}?${q.join('&')}`));
const smallScopeSet = fc
  .array(fc.oneof({ weight: 4, arbitrary: smallResourceText }, { weight: 1, arbitrary: fc.constantFrom('launch', 'launch/patient', 'launch/list?role=x', 'launch/list', 'openid', 'offline_access') }), {
    maxLength: 6,
  })
  .map((texts) => texts.map((text) => parseScope(text)!));

describe('properties', () => {
  it('format(parse(text)) === text for every valid scope', () => {
    fc.assert(
      fc.property(scopeText, (text) => {
        const scope = parseScope(text);
        expect(scope).toBeDefined();
        expect(formatScope(scope!)).toBe(text);
      }),
    );
  });

  it('parse(format(scope)) deep-equals scope', () => {
    fc.assert(
      fc.property(scopeText, (text) => {
        const scope = parseScope(text)!;
        expect(parseScope(formatScope(scope))).toEqual(scope);
      }),
    );
  });

  it('parseScopes keeps every valid scope once, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(scopeText, fc.constantFrom(' ', '  ', '\t', '\n'))), (items) => {
        const text = items.map(([scope, space]) => scope + space).join('');
        expect(parseScopes(text)).toEqual({ scopes: [...new Set(items.map(([scope]) => scope))].map((s) => parseScope(s)), unknown: [] });
      }),
    );
  });

  it('negotiation never widens: each granted scope is covered by a requested and an allowed one', () => {
    fc.assert(
      fc.property(smallScopeSet, smallScopeSet, fc.boolean(), (requested, allowed, narrow) => {
        const granted = negotiateScopes(requested, allowed, { narrow });
        for (const scope of granted) {
          expect(isSubsetOf([scope], requested)).toBe(true);
          expect(isSubsetOf([scope], allowed)).toBe(true);
          if (scope.kind !== 'resource') expect(requested.map((r) => r.raw)).toContain(scope.raw);
        }
        expect(new Set(granted.map((scope) => scope.raw)).size).toBe(granted.length);
      }),
    );
  });

  it('negotiation grants every allowed request unchanged', () => {
    fc.assert(
      fc.property(smallScopeSet, smallScopeSet, (requested, allowed) => {
        const granted = negotiateScopes(requested, allowed).map((scope) => scope.raw);
        for (const scope of requested) if (isSubsetOf([scope], allowed)) expect(granted).toContain(scope.raw);
      }),
    );
  });

  it('narrowing keeps every unconstrained interaction that both sides allow', () => {
    fc.assert(
      fc.property(smallScopeSet, smallScopeSet, (requested, allowed) => {
        const granted = negotiateScopes(requested, allowed);
        const unconstrained = (set: readonly Scope[], l: 'patient' | 'system', type: string, p: 'c' | 'r' | 'u' | 'd' | 's'): boolean =>
          permittedBy(set, l, type, p).some((scope) => scope.query.length === 0);
        for (const l of ['patient', 'system'] as const)
          for (const type of ['Observation', 'Patient', 'Other'])
            for (const p of ['c', 'r', 'u', 'd', 's'] as const)
              if (unconstrained(requested, l, type, p) && unconstrained(allowed, l, type, p)) expect(unconstrained(granted, l, type, p)).toBe(true);
      }),
    );
  });

  it('negotiation is idempotent: negotiating the grant again gives the grant', () => {
    fc.assert(
      fc.property(smallScopeSet, smallScopeSet, (requested, allowed) => {
        const granted = negotiateScopes(requested, allowed);
        expect(negotiateScopes(granted, allowed).map((scope) => scope.raw)).toEqual(granted.map((scope) => scope.raw));
      }),
    );
  });

  it('isSubsetOf(x, x) always holds', () => {
    fc.assert(
      fc.property(fc.array(scopeText), (texts) => {
        const set = texts.map((text) => parseScope(text)!);
        expect(isSubsetOf(set, set)).toBe(true);
      }),
    );
  });
});
