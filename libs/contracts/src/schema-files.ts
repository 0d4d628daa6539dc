import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as avro from 'avsc';

export interface AvroSchemaFile {
  fileName: string;
  /** Minified JSON, as registered. */
  text: string;
  type: avro.Type;
}

let cachedDirectory: string | undefined;

/**
 * schemas/avro is found by walking up from this module, so the same code works from the sources
 * (tests) and from the compiled tree in dist/.
 */
export function schemasDirectory(): string {
  if (cachedDirectory) return cachedDirectory;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'avro');
    if (existsSync(candidate)) return (cachedDirectory = candidate);
    if (dirname(dir) === dir) throw new Error(`schemas/avro not found above ${__dirname}`);
  }
}

export function readAvroSchema(fileName: string): AvroSchemaFile {
  const path = join(schemasDirectory(), fileName);
  const text = JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
  return { fileName, text, type: avro.Type.forSchema(JSON.parse(text)) };
}
