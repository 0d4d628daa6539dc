import { Type } from '@sinclair/typebox';
import { DEFAULT_TOKEN_SCOPES, TOKEN_SCOPES, type TokenScope } from '@tracking/customers';
import { REASON_KEYWORD } from '@tracking/ingestion';

/** Body fields shared by the operators' keys API and the customers' own (/console/api/keys). */

export const KeyDescriptionSchema = Type.String({
  maxLength: 200,
  description: 'What the key is for (shown in the key list)',
  [REASON_KEYWORD]: 'must be a string of at most 200 characters',
});

const KeyScopeSchema = Type.Unsafe<TokenScope>({ type: 'string', enum: [...TOKEN_SCOPES], [REASON_KEYWORD]: `must be one of ${TOKEN_SCOPES.join(', ')}` });

export const KeyScopesSchema = Type.Array(KeyScopeSchema, {
  minItems: 1,
  maxItems: TOKEN_SCOPES.length,
  uniqueItems: true,
  default: [...DEFAULT_TOKEN_SCOPES],
  description: `What the key's secret may do: ${TOKEN_SCOPES.join(', ')}; absent: ${DEFAULT_TOKEN_SCOPES.join(', ')}`,
  [REASON_KEYWORD]: `must be a list of distinct scopes among ${TOKEN_SCOPES.join(', ')}, at least one`,
});
