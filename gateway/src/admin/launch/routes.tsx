import { Hono, type Context } from 'hono';
import { recordAudit, requestOrigin } from '../../audit/record-audit.ts';
import type { ClientRecord } from '../../db/store.ts';
import { formOf } from '../../http/form-body.ts';
import { fhirDirectory } from '../../oauth/authorize/fhir-directory.ts';
import { createLaunch } from '../../oauth/launch.ts';
import { ValidationError } from '../../validation-error.ts';
import { checkCsrf, consoleAuth, type ConsoleDeps, type ConsoleEnv } from '../console-auth.ts';
import { consolePage } from '../console-pages.tsx';
import { LaunchPage } from './launch-page.tsx';
import { searchPatients, type PatientSearch } from './patient-search.ts';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * `/admin/launch`: the practitioner view. Lists patients (search by name or birth date) with a
 * Launch button per app that has a launch URI; a launch creates the EHR launch context (patient,
 * optional encounter, this practitioner as the user) and sends the browser to
 * `LAUNCH_URI?iss=…&launch=…`. Practitioners only: the launch's user is the one the app signs in.
 */
export function launchRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const directory = fhirDirectory(deps.fhir);
  app.use('*', consoleAuth(deps, { roles: ['practitioner'] }), checkCsrf(deps));

  const launchable = async () => (await deps.store.clients.list()).filter((c) => c.launchUri !== null && c.disabledAt === null && c.grantTypes.includes('authorization_code'));

  const render = async (c: Context<ConsoleEnv>, search: PatientSearch, problem?: string) => {
    const apps = await launchable();
    let patients: Awaited<ReturnType<typeof searchPatients>> = [];
    try {
      patients = await searchPatients(deps.fhir, search);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problem = `Birth date: ${error.message.replace(/^[^:]*: /, '')}`;
    }
    // The Launch buttons' POST ends in a redirect to the app: CSP form-action must allow its origin.
    c.header('Content-Security-Policy', launchCsp(apps));
    return consolePage(c, <LaunchPage user={c.get('user')} csrf={c.get('csrf')} search={search} patients={patients} apps={apps} problem={problem} />, problem ? 400 : 200);
  };

  app.get('/', (c) => render(c, { name: (c.req.query('name') ?? '').trim().slice(0, 100), birthDate: (c.req.query('birthdate') ?? '').trim() }));

  app.post('/', async (c) => {
    const form = await formOf(c);
    const user = c.get('user');
    const patientId = form.get('patient') ?? '';
    const encounter = form.get('encounter') ?? '';
    const clientId = form.get('client') ?? '';
    try {
      if (!ID.test(patientId)) throw new ValidationError('patient', 'choose a patient from the list');
      if (encounter !== '' && !ID.test(encounter)) throw new ValidationError('encounter', 'choose an encounter from the list');
      const created = await createLaunch(
        { clientId, patientId, encounterId: encounter === '' ? undefined : encounter, userId: user.id },
        { store: deps.store, fhirBaseUrl: deps.config.fhirBaseUrl, now: deps.now, lifetimeSeconds: deps.config.lifetimes.launch, resourceExists: directory.exists },
      );
      await recordAudit(deps.store.audit, {
        category: 'admin',
        action: 'launch',
        outcome: 'success',
        userId: user.id,
        fhirUser: user.fhirUser,
        clientId,
        patientId,
        resourceType: encounter === '' ? null : 'Encounter',
        resourceId: encounter === '' ? null : encounter,
        ...requestOrigin(c),
      });
      return c.redirect(created.url, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return render(c, { name: '', birthDate: '' }, `The app could not be launched: ${error.message.replace(/^[^:]*: /, '')}.`);
    }
  });

  return app;
}

function launchCsp(apps: readonly ClientRecord[]): string {
  const origins = new Set(apps.map((a) => new URL(a.launchUri!).origin).filter((o) => o !== 'null'));
  return `default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self' ${[...origins].join(' ')}`.trim();
}
