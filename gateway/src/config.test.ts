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

  it('never echoes a database URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/^DATABASE_URL: (?!.*hunter2)/);
  });

  it('accepts an https PUBLIC_URL with a path and SEED=none', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://health.example/portico', SEED: 'none' });
    expect(config.fhirBaseUrl).toBe('https://health.example/portico/fhir');
    expect(config.seed).toBe('none');
  });
});
