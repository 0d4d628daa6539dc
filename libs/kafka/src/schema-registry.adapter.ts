import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type * as avro from 'avsc';
import type { SchemaRegistryPort } from '@tracking/contracts';
import type { RegistrySettings } from '@tracking/config';

/** The serde's registry port, served by the Confluent client (against Confluent, Karapace, Apicurio or the local registry). */
export class ConfluentSchemaRegistryAdapter implements SchemaRegistryPort {
  private readonly client: SchemaRegistry;

  constructor(private readonly settings: RegistrySettings) {
    this.client = new SchemaRegistry({ host: settings.url, clientId: 'tracking-platform' });
  }

  async register(subject: string, schema: string): Promise<number> {
    const { id } = await this.client.register(
      { type: SchemaType.AVRO, schema },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    );
    return id;
  }

  async typeById(schemaId: number): Promise<avro.Type> {
    return (await this.client.getSchema(schemaId)) as unknown as avro.Type;
  }

  /** Used by readiness checks: any answer from the registry means it is up. */
  async ping(): Promise<void> {
    const response = await fetch(new URL('/subjects', this.settings.url), { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new Error(`schema registry answered ${response.status}`);
  }
}
