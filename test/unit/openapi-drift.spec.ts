import 'reflect-metadata';
import { Module, type Type } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA, SELF_DECLARED_DEPS_METADATA } from '@nestjs/common/constants';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { TSchema } from '@sinclair/typebox';
import { AutomationsController } from '@apps/automation-trigger/admin/automations.controller';
import { ExportController } from '@apps/exporter/export/export.controller';
import { CollectBodySchema, browserBatchValidator } from '@apps/gateway/collect/browser-batch';
import { CollectController } from '@apps/gateway/collect/collect.controller';
import { ConsoleKeysController } from '@apps/gateway/console/keys/console-keys.controller';
import { RejectedController } from '@apps/gateway/console/rejected/rejected.controller';
import { ConsolePrivacyController } from '@apps/gateway/console/privacy/console-privacy.controller';
import { TrackingKeysController } from '@apps/gateway/keys/tracking-keys.controller';
import { bulkEnvelopeValidator } from '@apps/gateway/track/bulk-envelope';
import { TrackController } from '@apps/gateway/track/track.controller';
import { PrivacyController } from '@apps/vault-loader/privacy/privacy.controller';
import { SubjectAccessController } from '@apps/vault-loader/privacy/subject-access.controller';
import { REQUEST_BODY_SCHEMA, RequestBodyGuard } from '@tracking/http';
import { BulkTrackSchema, trackEventValidator } from '@tracking/ingestion';

/*
 * No drift between what the OpenAPI document says of a request body and what is checked: for every
 * route with a body, the document's schema is the handler's schema, and that is the very object the
 * route's check was compiled from (its RequestBodyGuard, or the gateway's event and envelope checks).
 */

const HTTP_METHODS = ['get', 'post', 'put', 'delete', 'patch', 'options', 'head', 'search', 'all'];

/** What a controller, guard or interceptor class asks to be injected. */
function dependenciesOf(type: Type): unknown[] {
  const declared = (Reflect.getMetadata('design:paramtypes', type) as unknown[] | undefined) ?? [];
  const named = (Reflect.getMetadata(SELF_DECLARED_DEPS_METADATA, type) as Array<{ index: number; param: unknown }> | undefined) ?? [];
  return declared.map((dependency, index) => named.find((entry) => entry.index === index)?.param ?? dependency);
}

/** The guard and interceptor classes on a controller and its handlers (Nest instantiates them with the module). */
function enhancersOf(controller: Type): Type[] {
  const targets: object[] = [controller, ...Object.getOwnPropertyNames(controller.prototype).map((name) => (controller.prototype as Record<string, object>)[name] ?? {})];
  return targets
    .flatMap((target) => [...((Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? []), ...((Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? [])])
    .filter((enhancer): enhancer is Type => typeof enhancer === 'function');
}

/** The document Nest makes of these controllers alone; whatever they depend on is an empty stand-in (nothing runs). */
async function documentOf(controllers: Type[]): Promise<OpenAPIObject> {
  const tokens = new Set<unknown>();
  for (const type of [...controllers, ...controllers.flatMap(enhancersOf)]) for (const dependency of dependenciesOf(type)) tokens.add(dependency);
  tokens.delete(Object);
  @Module({ controllers, providers: [...tokens].map((token) => ({ provide: token as string, useValue: {} })) })
  class DocumentedModule {}
  const app = await NestFactory.create<NestFastifyApplication>(DocumentedModule, new FastifyAdapter(), { logger: false });
  try {
    return SwaggerModule.createDocument(app, new DocumentBuilder().build());
  } finally {
    await app.close();
  }
}

interface Route {
  controller: string;
  handler: string;
  method: string;
  path: string;
  schema: TSchema | undefined;
  guards: unknown[];
}

/** Every route of a controller, with the schema its handler declares for the body. */
function routesOf(controller: Type): Route[] {
  const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
  return Object.getOwnPropertyNames(controller.prototype).flatMap((name) => {
    const handler = (controller.prototype as Record<string, unknown>)[name];
    if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) return [];
    const own = String(Reflect.getMetadata(PATH_METADATA, handler));
    const path = `/${[base, own].filter((part) => part !== '' && part !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
    return [{
      controller: controller.name,
      handler: name,
      method: HTTP_METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? '?',
      path,
      schema: Reflect.getMetadata(REQUEST_BODY_SCHEMA, handler) as TSchema | undefined,
      guards: (Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? [],
    }];
  });
}

const SERVICES: Array<[string, Type[]]> = [
  ['gateway', [TrackController, CollectController, TrackingKeysController, ConsoleKeysController, RejectedController, ConsolePrivacyController]],
  ['vault-loader', [PrivacyController, SubjectAccessController]],
  ['automation-trigger', [AutomationsController]],
  ['exporter', [ExportController]],
];

/** The gateway's routes whose bodies are checked in the handler (events one by one), by their check. */
const CHECKED_IN_HANDLER: Record<string, TSchema> = {
  'TrackController.track': trackEventValidator.schema,
  'TrackController.trackAsync': trackEventValidator.schema,
};

describe('request bodies: one schema documents and validates', () => {
  describe.each(SERVICES)('%s', (_, controllers) => {
    let document: OpenAPIObject;
    beforeAll(async () => {
      document = await documentOf(controllers);
    });

    const routes = controllers.flatMap(routesOf);
    const withBody = routes.filter((route) => route.method === 'post' || route.method === 'put');

    it.each(withBody.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))('%s: the document shows the schema the check uses', (_, route) => {
      const operation = (document.paths[route.path] as Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }> | undefined)?.[route.method];
      expect(operation).toBeDefined();
      const documented = operation?.requestBody?.content['application/json']?.schema;
      if (route.schema === undefined) {
        // A route with no body declared takes none: nothing to document, nothing to check.
        expect(documented).toBeUndefined();
        return;
      }
      // @nestjs/swagger keeps a deep copy of the schema object, TypeBox's symbols and all: equal, key for key.
      expect(documented).toEqual(route.schema);
      const key = `${route.controller}.${route.handler}`;
      const guard = route.guards.find((candidate): candidate is RequestBodyGuard => candidate instanceof RequestBodyGuard);
      if (guard) expect(guard.schema).toBe(route.schema);
      else if (key === 'CollectController.collect') {
        expect(route.schema).toBe(CollectBodySchema);
        expect(CollectBodySchema.anyOf[1]).toBe(browserBatchValidator.schema);
        expect(browserBatchValidator.schema.properties.events.items).toBe(trackEventValidator.schema);
      } else if (key === 'TrackController.bulk') {
        // The envelope is checked without its items, and each event once, by the pipeline, against the items' schema.
        expect(route.schema).toBe(BulkTrackSchema);
        expect(BulkTrackSchema.properties.events.items).toBe(trackEventValidator.schema);
        expect(bulkEnvelopeValidator.schema).toEqual({ ...BulkTrackSchema, properties: { ...BulkTrackSchema.properties, events: { ...BulkTrackSchema.properties.events, items: {} } } });
      } else expect(route.schema).toBe(CHECKED_IN_HANDLER[key]);
    });
  });

  it('knows every route with a body of the four services (a new one without a schema fails here)', () => {
    const bodies = SERVICES.flatMap(([, controllers]) => controllers.flatMap(routesOf)).filter((route) => route.schema !== undefined);
    expect(bodies.map((route) => `${route.controller}.${route.handler}`).sort()).toEqual([
      'AutomationsController.replaceWorkflows',
      'AutomationsController.tryWorkflows',
      'AutomationsController.validateWorkflows',
      'CollectController.collect',
      'ConsoleKeysController.create',
      'ConsoleKeysController.rotate',
      'ConsolePrivacyController.request',
      'PrivacyController.erase',
      'RejectedController.redrive',
      'SubjectAccessController.report',
      'TrackController.bulk',
      'TrackController.track',
      'TrackController.trackAsync',
      'TrackingKeysController.create',
      'TrackingKeysController.rotate',
    ]);
  });
});
