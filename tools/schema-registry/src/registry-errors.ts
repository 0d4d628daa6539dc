/** Errors with Confluent's HTTP status and `error_code`, so clients react to them as they would to Confluent. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }

  static subjectNotFound(subject: string): RegistryError {
    return new RegistryError(404, 40401, `Subject '${subject}' not found.`);
  }
  static versionNotFound(subject: string, version: number | string): RegistryError {
    return new RegistryError(404, 40402, `Version ${version} not found for subject '${subject}'.`);
  }
  static schemaNotFound(detail = 'Schema not found'): RegistryError {
    return new RegistryError(404, 40403, detail);
  }
  static subjectSoftDeleted(subject: string): RegistryError {
    return new RegistryError(404, 40404, `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`);
  }
  static subjectNotSoftDeleted(subject: string): RegistryError {
    return new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`);
  }
  static versionNotSoftDeleted(subject: string, version: number): RegistryError {
    return new RegistryError(404, 40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`);
  }
  static subjectConfigNotFound(subject: string): RegistryError {
    return new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
  }
  static incompatible(messages: string[]): RegistryError {
    return new RegistryError(409, 409, `Schema being registered is incompatible with an earlier schema for subject: ${messages.join('; ')}`);
  }
  static invalidSchema(detail: string): RegistryError {
    return new RegistryError(422, 42201, `Invalid schema: ${detail}`);
  }
  static invalidVersion(version: string): RegistryError {
    return new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    );
  }
  static invalidCompatibilityLevel(level: unknown): RegistryError {
    return new RegistryError(422, 42203, `Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive; got ${JSON.stringify(level)}`);
  }
  static badRequest(detail: string): RegistryError {
    return new RegistryError(400, 400, detail);
  }
}
