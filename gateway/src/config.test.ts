import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({}, '/srv/portico');
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8080',
      fhirBaseUrl: 'http://localhost:8080/fhir',
      database: { kind: 'sqlite', path: path.resolve('/srv/portico', 'data/portico.db') },
      seed: 'demo',
    });
  });

  it('derives PUBLIC_URL from PORT and returns a frozen object', () => {
    const config = loadConfig({ PORT: '9001' });
    expect(config.publicUrl).toBe('http://localhost:9001');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ HOST: ' ' }, 'HOST'],
    [{ PUBLIC_URL: 'https://portico.example/' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'portico.example' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://portico.example' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://portico.example?x=1' }, 'PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'file:' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://user:secret@db/portico' }, 'DATABASE_URL'],
    [{ SEED: 'everything' }, 'SEED'],
    [{ FHIR_UPSTREAM_URL: 'https://fhir.example/r4' }, 'FHIR_UPSTREAM_URL'],
    [{ REQUIRE_STAFF_MFA: 'yes' }, 'REQUIRE_STAFF_MFA'],
    [{ SELF_REGISTRATION: '1' }, 'SELF_REGISTRATION'],
    [{ SMTP_URL: 'http://mail.example' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'Portico\r\nBcc: x@evil.example' }, 'MAIL_FROM'],
  ])('refuses %o naming %s', (env, variable) => {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
    expect((caught as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
    expect((caught as ConfigError).message).not.toContain('\n');
  });

  it('requires staff MFA unless the demo data is seeded, and leaves self-registration off', () => {
    expect(loadConfig({ SEED: 'none' })).toMatchObject({ requireStaffMfa: true, selfRegistration: false, smtp: null });
    expect(loadConfig({})).toMatchObject({ requireStaffMfa: false, selfRegistration: false });
    expect(loadConfig({ SEED: 'demo', REQUIRE_STAFF_MFA: 'true', SELF_REGISTRATION: 'true' })).toMatchObject({ requireStaffMfa: true, selfRegistration: true });
    expect(loadConfig({ SEED: 'none', REQUIRE_STAFF_MFA: 'false' }).requireStaffMfa).toBe(false);
  });

  it('reads SMTP_URL and MAIL_FROM, with a From on the public host by default', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://clinic.example', SMTP_URL: 'smtp://u:p@mail.example:587' }).smtp).toEqual({
      url: 'smtp://u:p@mail.example:587',
      from: 'Portico <no-reply@clinic.example>',
    });
    expect(loadConfig({ SMTP_URL: 'smtps://mail.example', MAIL_FROM: 'Front desk <desk@clinic.example>' }).smtp?.from).toBe('Front desk <desk@clinic.example>');
    expect(() => loadConfig({ SMTP_URL: 'smtpx://user:hunter2@mail.example' })).toThrow(/^SMTP_URL: (?!.*hunter2)/);
  });

  it('never echoes a database URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/^DATABASE_URL: (?!.*hunter2)/);
  });

  it('accepts an https PUBLIC_URL with a path and SEED=none', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://health.example/portico', SEED: 'none' });
    expect(config.fhirBaseUrl).toBe('https://health.example/portico/fhir');
    expect(config.seed).toBe('none');
  });
});
