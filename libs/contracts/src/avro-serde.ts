import type * as avro from 'avsc';
import { RecordRejectedError, TrackingError } from './errors';
import { decodeWireFormat, encodeWireFormat } from './wire-format';

/**
 * What the serde needs from a Confluent-compatible schema registry. It never registers: schemas are
 * registered before deploy (provisioning, `tracking schemas register`), services only look theirs up.
 */
export interface SchemaRegistryPort {
  /** The global id of the schema among the subject's versions; SchemaNotRegisteredError when it is none of them. */
  lookup(subject: string, schema: string): Promise<number>;
  /** The writer schema registered under this id. */
  typeById(schemaId: number): Promise<avro.Type>;
}

/**
 * The schema a service writes with is not a version of its subject: the service must not start.
 * The message names the subject and its versions and says how to register.
 */
export class SchemaNotRegisteredError extends Error {
  override readonly name = 'SchemaNotRegisteredError';
  constructor(
    readonly subject: string,
    readonly detail: string,
  ) {
    super(`${detail}. Services do not register schemas: run \`tracking schemas register\` (or the deployment's provisioning) with this release's schemas/avro first`);
  }
}

/** A record that does not match the schema. Not retriable: the same record fails the same way. */
export class AvroEncodeError extends TrackingError {
  override readonly name = 'AvroEncodeError';
  readonly retriable = false;
  constructor(readonly invalidPaths: string[], cause: unknown) {
    super(`record does not match the Avro schema at ${invalidPaths.join(', ') || '(root)'}`, { cause });
  }
}

/** Bytes that cannot be read as the expected record. Not retriable: a poison record. */
export class AvroDecodeError extends RecordRejectedError {
  override readonly name = 'AvroDecodeError';
}

export class AvroSerializer<T> {
  constructor(
    readonly schemaId: number,
    private readonly type: avro.Type,
  ) {}

  serialize(record: T): Buffer {
    let payload: Buffer;
    try {
      payload = this.type.toBuffer(record);
    } catch (error) {
      const paths: string[] = [];
      this.type.isValid(record, { errorHook: (path) => paths.push(path.join('.')) });
      throw new AvroEncodeError(paths, error);
    }
    return encodeWireFormat(this.schemaId, payload);
  }
}

export async function createAvroSerializer<T>(
  registry: SchemaRegistryPort,
  subject: string,
  schema: { text: string; type: avro.Type; fileName?: string },
): Promise<AvroSerializer<T>> {
  let schemaId: number;
  try {
    schemaId = await registry.lookup(subject, schema.text);
  } catch (error) {
    if (!(error instanceof SchemaNotRegisteredError) || !schema.fileName) throw error;
    throw new SchemaNotRegisteredError(subject, `value schema schemas/avro/${schema.fileName} is not registered: ${error.detail}`);
  }
  return new AvroSerializer<T>(schemaId, schema.type);
}

/**
 * Reads records written with any registered version of a schema into the reader schema this code
 * was built with (Avro schema resolution), so consumers survive BACKWARD-compatible evolution.
 */
export class AvroDeserializer<T> {
  private readonly resolvers = new Map<number, Promise<avro.Resolver | undefined>>();

  constructor(
    private readonly registry: SchemaRegistryPort,
    private readonly readerType: avro.Type,
  ) {}

  async deserialize(framed: Buffer): Promise<T> {
    return (await this.deserializeWithSchemaId(framed)).value;
  }

  /** The record and the id of the schema it was written with (the loader keeps that id). */
  async deserializeWithSchemaId(framed: Buffer): Promise<{ value: T; schemaId: number }> {
    let decoded;
    try {
      decoded = decodeWireFormat(framed);
    } catch (error) {
      throw new AvroDecodeError((error as Error).message, { cause: error });
    }
    const resolver = await this.resolverFor(decoded.schemaId);
    try {
      return { value: this.readerType.fromBuffer(decoded.payload, resolver) as T, schemaId: decoded.schemaId };
    } catch (error) {
      throw new AvroDecodeError(`cannot decode record written with schema id ${decoded.schemaId}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private resolverFor(schemaId: number): Promise<avro.Resolver | undefined> {
    let resolver = this.resolvers.get(schemaId);
    if (!resolver) {
      resolver = this.registry.typeById(schemaId).then((writerType) => {
        if (writerType.equals(this.readerType)) return undefined;
        try {
          return this.readerType.createResolver(writerType);
        } catch (error) {
          throw new AvroDecodeError(`writer schema ${schemaId} cannot be read as ${this.readerType.name ?? 'the reader schema'}`, {
            cause: error,
          });
        }
      });
      // A registry outage must not be cached: drop failed lookups so the next record retries.
      resolver.catch(() => this.resolvers.delete(schemaId));
      this.resolvers.set(schemaId, resolver);
    }
    return resolver;
  }
}
