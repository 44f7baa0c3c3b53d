import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { CapabilityStatement } from 'fhir/r4';
import { corsPreflight } from '../../http/cors.ts';
import { cachedPolicy } from '../access/access-policy.ts';
import type { AccessTokenClaims } from '../../oauth/tokens/access-token.ts';
import { badRequest, FhirError, notFound, operationOutcome } from '../errors.ts';
import { JsonText, toInteraction, type FhirBackend, type Interaction, type InteractionOptions } from '../interaction.ts';
import type { FhirResponder } from './respond.ts';
import { requireToken, type FhirEnv } from './require-token.ts';
import { auditEventRoutes, type AuditEventStore } from '../../audit/audit-event-routes.ts';
import { interactionRecorder } from '../../audit/interaction-audit.ts';
import { requestOrigin } from '../../audit/record-audit.ts';
import { recordUnfinished, refusalRecorder } from '../../audit/refusal-audit.ts';

export interface FhirRoutesDeps {
  readonly backend: FhirBackend;
  readonly respond: FhirResponder;
  /** Headers of public API responses (security and CORS). */
  readonly headers: Readonly<Record<string, string>>;
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  readonly capabilityStatement: CapabilityStatement;
  /** The SMART discovery document served at `.well-known/smart-configuration`. */
  readonly smartConfiguration: object;
  readonly fhirBaseUrl: string;
  readonly maxBodyBytes: number;
  /** `audit` records every interaction and refusal and serves AuditEvent; users and clients answer who may read it. */
  readonly store: AuditEventStore;
}

/** The FHIR R4 REST API under `/fhir`: metadata is public, everything else needs a bearer token. */
export function fhirRoutes(deps: FhirRoutesDeps): Hono<FhirEnv> {
  const metadata = new JsonText(JSON.stringify(deps.capabilityStatement));
  const smartConfiguration = JSON.stringify(deps.smartConfiguration);
  return new Hono<FhirEnv>()
    .options(
      '*',
      corsPreflight({
        allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Exist', 'Prefer', 'Accept', 'X-Request-Id'],
      }),
    )
    .get('/metadata', (c) => deps.respond.json(c, 200, metadata))
    // SMART discovery is public and always JSON, whatever the Accept header (SMART conformance).
    .get('/.well-known/smart-configuration', (c) => c.body(smartConfiguration, 200, { ...deps.headers, 'Content-Type': 'application/json' }))
    .all('/.well-known/*', () => {
      throw notFound('No such discovery document');
    })
    .use('*', requireToken(deps.verifyAccessToken, deps.fhirBaseUrl, refusalRecorder(deps.store.audit, deps.fhirBaseUrl)))
    // The audit trail as FHIR AuditEvent: read-only, served from the audit store, never the FHIR store.
    .route('/AuditEvent', auditEventRoutes({ store: deps.store, respond: deps.respond, fhirBaseUrl: deps.fhirBaseUrl }))
    // Only POST and PUT carry bodies here; asking a GET for its body would build a full WHATWG
    // Request on every read, a cost the hot path does not need.
    .on(
      ['POST', 'PUT'],
      '*',
      bodyLimit({
        maxSize: deps.maxBodyBytes,
        onError: (c) =>
          deps.respond.json(c, 413, operationOutcome([{ severity: 'error', code: 'too-costly', diagnostics: `The body exceeds ${deps.maxBodyBytes} bytes` }])),
      }),
    )
    .all('*', async (c) => {
      const recorder = interactionRecorder(deps.store.audit, c.get('token'), requestOrigin(c), deps.fhirBaseUrl);
      let interaction: Interaction | undefined;
      try {
        const segments = pathSegments(c.req.path);
        const { query, body } = await readRequest(c, segments);
        interaction = toInteraction(c.req.method, segments, query, body, {
          ifMatch: c.req.header('if-match'),
          ifNoneExist: c.req.header('if-none-exist'),
        });
        const options = { ...preferences(c.req.header('prefer')), access: cachedPolicy(c.get('token')), audit: recorder.hook };
        const result = await deps.backend.execute(interaction, options);
        // No PHI leaves without its audit row: a failed append fails the request here.
        await recorder.flush();
        return deps.respond.result(c, result, interaction.kind);
      } catch (error) {
        await recordUnfinished(recorder, c.req.method, c.req.path, interaction, error);
        throw error;
      }
    });
}

function pathSegments(path: string): string[] {
  const below = path.replace(/^\/fhir\/?/, '');
  try {
    return below
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest('The URL path is not valid percent-encoded UTF-8');
  }
}

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);

/** The query parameters (with the form fields of a `POST _search`) and the parsed JSON body. */
async function readRequest(c: Context, segments: readonly string[]): Promise<{ query: [string, string][]; body: unknown }> {
  const query = [...new URL(c.req.url).searchParams];
  const format = query.find(([k]) => k === '_format')?.[1];
  if (format !== undefined && /xml/i.test(format)) throw new FhirError(406, 'not-supported', 'Only JSON is supported');
  if (c.req.method !== 'POST' && c.req.method !== 'PUT') return { query, body: undefined };

  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (segments[1] === '_search' && c.req.method === 'POST') {
    const text = await c.req.text();
    if (text === '') return { query, body: undefined };
    if (mediaType !== 'application/x-www-form-urlencoded') {
      throw new FhirError(415, 'not-supported', 'POST _search takes application/x-www-form-urlencoded');
    }
    return { query: [...query, ...new URLSearchParams(text)], body: undefined };
  }
  if (!JSON_TYPES.has(mediaType)) {
    // An operation whose parameters are all optional ($cancel) may be called with no body at all.
    if (segments.some((s) => s.startsWith('$')) && (await c.req.text()) === '') return { query, body: undefined };
    throw new FhirError(415, 'not-supported', 'Send resources as application/fhir+json');
  }
  const text = await c.req.text();
  try {
    return { query, body: JSON.parse(text) };
  } catch (error) {
    // A RangeError here is JSON nested deeper than the parser's stack: bad input, not a crash.
    if (error instanceof SyntaxError || error instanceof RangeError) throw badRequest('The body is not valid JSON');
    throw error;
  }
}

/** `Prefer: handling=strict` and `Prefer: return=…` (RFC 7240; http://hl7.org/fhir/R4/http.html#ops). */
export function preferences(header: string | undefined): Omit<InteractionOptions, 'access'> {
  const tokens = (header ?? '').split(/[,;]/).map((t) => t.trim().toLowerCase());
  const returned = tokens.find((t) => t.startsWith('return='))?.slice('return='.length);
  return {
    strict: tokens.includes('handling=strict'),
    returnPreference: returned === 'minimal' ? 'minimal' : returned === 'operationoutcome' ? 'OperationOutcome' : 'representation',
  };
}
