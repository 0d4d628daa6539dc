import { Type } from '@sinclair/typebox';
import { TRIGGER_TYPES } from '@tracking/contracts';
import { REASON_KEYWORD } from '@tracking/ingestion';

/*
 * The structure of a workflows document (automations.yaml, or PUT .../workflows). The schema says
 * what each field is; the reader of automations files (parseAutomationsFile) then judges what a
 * schema cannot: ids declared twice, URLs that parse, paths starting with "/", secrets present in
 * the environment. Fields that take several shapes are left open here (no union: Ajv would name
 * each alternative's failure); the reader names every problem of theirs with its field.
 */
export const AutomationsDocumentSchema = Type.Object(
  {
    workflows: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.String({ description: 'Lower-case letters, digits, _ and -; at most 64; unique in the document' }),
          trigger: Type.String({ enum: [...TRIGGER_TYPES] }),
          enabled: Type.Optional(Type.Boolean({ default: true })),
          filters: Type.Optional(
            Type.Object(
              {
                url_path: Type.Optional(Type.Unknown({ description: 'A path ("/pricing"), or exactly one of exact, prefix or glob ("/blog/**"): <path>; starts with "/"' })),
                event_name: Type.Optional(Type.Unknown({ description: 'A name, or a list of names' })),
                properties: Type.Optional(
                  Type.Record(Type.String(), Type.Unknown(), { description: 'name: value, or one of equals: <value>, one_of: [<values>], exists: true|false' }),
                ),
              },
              { [REASON_KEYWORD]: { type: 'must be an object' } },
            ),
          ),
          webhook: Type.Optional(
            Type.Object(
              {
                url: Type.String({ format: 'uri', description: 'http(s)' }),
                secret_env: Type.Unknown({ description: 'The environment variable holding the Standard Webhooks secret (whsec_...), or a list of two while rotating' }),
              },
              { [REASON_KEYWORD]: { type: 'must be an object' } },
            ),
          ),
        }),
        { [REASON_KEYWORD]: { type: 'must be a list' } },
      ),
    ),
  },
  { description: 'The same document as automations.yaml', [REASON_KEYWORD]: { type: 'must be an object' } },
);
