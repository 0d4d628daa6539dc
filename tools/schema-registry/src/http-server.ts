import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { BasicAuthCheck, type BasicAuthCredentials } from './basic-auth';
import { RegistryError } from './registry-errors';
import { parseVersion, type RegisterRequest, type RegistryService } from './registry.service';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

type SubjectParams = { subject: string };
type VersionParams = { subject: string; version: string };
type IdParams = { id: string };
type Flags = { deleted?: string; permanent?: string; defaultToGlobal?: string; verbose?: string; fetchMaxId?: string };

function flag(value: string | undefined): boolean {
  return value === 'true';
}

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 0) throw RegistryError.schemaNotFound(`Schema ${raw} not found`);
  return id;
}

/** The REST API of Confluent Schema Registry, as far as producers, consumers, kcat and our CLI use it. */
export function createRegistryHttpServer(registry: RegistryService, logger: Logger, auth?: BasicAuthCredentials): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });

  if (auth) {
    const check = new BasicAuthCheck(auth);
    // Every route, as Confluent's registry with basic auth: a client without credentials learns nothing.
    app.addHook('onRequest', async (request, reply) => {
      if (check.accepts(request.headers.authorization)) return;
      reply.header('www-authenticate', 'Basic realm="SchemaRegistry"');
      return reply.status(401).send({ error_code: 401, message: 'Unauthorized' });
    });
  }

  // Clients send Confluent's vendor types, plain JSON, or (curl) whatever their default is.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, {});
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(RegistryError.badRequest(`request body is not JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-type', CONTENT_TYPE);
  });

  app.setErrorHandler((error: FastifyError | RegistryError, _request, reply: FastifyReply) => {
    if (error instanceof RegistryError) {
      return reply.status(error.status).send({ error_code: error.errorCode, message: error.message });
    }
    const status = error.statusCode;
    if (status && status < 500) return reply.status(status).send({ error_code: status, message: error.message });
    logger.error({ err: error }, 'registry request failed');
    return reply.status(500).send({ error_code: 50001, message: 'Error in the backend data store' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error_code: 404, message: `HTTP 404 Not Found: ${request.method} ${request.url}` });
  });

  app.get('/', async () => ({}));
  app.get('/mode', async () => ({ mode: 'READWRITE' }));
  app.get('/schemas/types', async () => ['AVRO']);

  app.get('/schemas', async () =>
    registry.allSchemas().map(({ subject, version, id, schema }) => ({ subject, version, id, schema })),
  );
  app.get<{ Params: IdParams; Querystring: Flags }>('/schemas/ids/:id', async (request) => {
    const schema = registry.schemaById(parseId(request.params.id));
    return flag(request.query.fetchMaxId) ? { schema, maxId: Math.max(...registry.allSchemas().map((s) => s.id), 0) } : { schema };
  });
  app.get<{ Params: IdParams }>('/schemas/ids/:id/schema', async (request) => JSON.parse(registry.schemaById(parseId(request.params.id))));
  app.get<{ Params: IdParams }>('/schemas/ids/:id/subjects', async (request) => registry.subjectsOfId(parseId(request.params.id)));
  app.get<{ Params: IdParams }>('/schemas/ids/:id/versions', async (request) => registry.versionsOfId(parseId(request.params.id)));

  app.get<{ Querystring: Flags }>('/subjects', async (request) => registry.subjects(flag(request.query.deleted)));
  app.get<{ Params: SubjectParams; Querystring: Flags }>('/subjects/:subject/versions', async (request) =>
    registry.versions(request.params.subject, flag(request.query.deleted)),
  );
  app.get<{ Params: VersionParams; Querystring: Flags }>('/subjects/:subject/versions/:version', async (request) => {
    const { subject, version, id, schema } = registry.version(
      request.params.subject,
      parseVersion(request.params.version),
      flag(request.query.deleted),
    );
    return { subject, version, id, schema };
  });
  app.get<{ Params: VersionParams }>('/subjects/:subject/versions/:version/schema', async (request) =>
    JSON.parse(registry.version(request.params.subject, parseVersion(request.params.version)).schema),
  );
  app.get<{ Params: VersionParams }>('/subjects/:subject/versions/:version/referencedby', async (request) => {
    registry.version(request.params.subject, parseVersion(request.params.version));
    return [];
  });
  app.post<{ Params: SubjectParams; Body: RegisterRequest }>('/subjects/:subject/versions', async (request) =>
    registry.register(request.params.subject, request.body ?? {}),
  );
  app.post<{ Params: SubjectParams; Body: RegisterRequest; Querystring: Flags }>('/subjects/:subject', async (request) => {
    const { subject, version, id, schema } = registry.lookup(request.params.subject, request.body ?? {}, flag(request.query.deleted));
    return { subject, version, id, schema };
  });
  app.delete<{ Params: SubjectParams; Querystring: Flags }>('/subjects/:subject', async (request) =>
    registry.deleteSubject(request.params.subject, flag(request.query.permanent)),
  );
  app.delete<{ Params: VersionParams; Querystring: Flags }>('/subjects/:subject/versions/:version', async (request) =>
    registry.deleteVersion(request.params.subject, parseVersion(request.params.version), flag(request.query.permanent)),
  );

  app.post<{ Params: VersionParams; Body: RegisterRequest; Querystring: Flags }>(
    '/compatibility/subjects/:subject/versions/:version',
    async (request) => {
      const messages = registry.checkCompatibility(request.params.subject, parseVersion(request.params.version), request.body ?? {});
      return flag(request.query.verbose) ? { is_compatible: messages.length === 0, messages } : { is_compatible: messages.length === 0 };
    },
  );

  app.get('/config', async () => ({ compatibilityLevel: registry.globalLevel() }));
  app.put<{ Body: { compatibility?: unknown } }>('/config', async (request) => ({
    compatibility: await registry.setLevel(null, request.body?.compatibility),
  }));
  app.get<{ Params: SubjectParams; Querystring: Flags }>('/config/:subject', async (request) => ({
    compatibilityLevel: registry.subjectLevel(request.params.subject, flag(request.query.defaultToGlobal)),
  }));
  app.put<{ Params: SubjectParams; Body: { compatibility?: unknown } }>('/config/:subject', async (request) => ({
    compatibility: await registry.setLevel(request.params.subject, request.body?.compatibility),
  }));
  app.delete<{ Params: SubjectParams }>('/config/:subject', async (request) => ({
    compatibilityLevel: await registry.deleteSubjectLevel(request.params.subject),
  }));

  return app;
}
