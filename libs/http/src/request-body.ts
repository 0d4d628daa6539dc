import { applyDecorators, type CanActivate, type ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import type { TSchema } from '@sinclair/typebox';
import { schemaValidator, type SchemaValidator } from '@tracking/ingestion';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

/** Metadata key under which a handler keeps the schema of its request body (the drift test reads it). */
export const REQUEST_BODY_SCHEMA = 'tracking:request-body-schema';

type BodySchemaOptions = Extract<Parameters<typeof ApiBody>[0], { schema: unknown }>;

export interface RequestBodyOptions {
  examples?: BodySchemaOptions['examples'];
  /** No body (or `null`) reads as `{}`: a POST with nothing to say, e.g. a rotation with the default overlap. */
  optional?: boolean;
  /** What the message calls the body: `Invalid <subject>: <field> <reason>`. */
  subject?: string;
}

/**
 * Refuses a body its schema refuses, with seed 000's envelope naming the field (400 INVALID_REQUEST).
 * It runs after the route's other guards: who may not call the route learns nothing of its body.
 */
export class RequestBodyGuard implements CanActivate {
  private readonly validator: SchemaValidator;

  constructor(
    schema: TSchema,
    private readonly options: RequestBodyOptions,
  ) {
    this.validator = schemaValidator(schema);
  }

  /** The schema the check was compiled from. */
  get schema(): TSchema {
    return this.validator.schema;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const body = (request.body === undefined || request.body === null) && this.options.optional ? {} : request.body;
    const errors = this.validator.check(body);
    if (errors.length > 0) throw ApiError.invalid(errors, this.options.subject);
    return true;
  }
}

/**
 * Puts a request body's schema in the OpenAPI document and on the handler, and nothing else: for a
 * handler that validates the body itself with `schemaValidator(schema)` (the gateway judges events
 * one by one, so one bad event of a bulk does not refuse the others).
 */
export function DocumentedBody(schema: TSchema, options: RequestBodyOptions = {}): MethodDecorator {
  return applyDecorators(
    // @nestjs/swagger's SchemaObject is OpenAPI 3.0's; a TypeBox schema is one (with `nullable` where null is allowed).
    ApiBody({ schema: schema as unknown as BodySchemaOptions['schema'], required: !options.optional, ...(options.examples ? { examples: options.examples } : {}) }),
    SetMetadata(REQUEST_BODY_SCHEMA, schema),
  );
}

/**
 * One schema for a request body: the OpenAPI document shows it and the route's guard checks it
 * (Ajv, compiled once), so the document cannot say anything the check does not.
 */
export function RequestBody(schema: TSchema, options: RequestBodyOptions = {}): MethodDecorator {
  return applyDecorators(DocumentedBody(schema, options), UseGuards(new RequestBodyGuard(schema, options)));
}
