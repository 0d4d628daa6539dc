import * as avro from 'avsc';
import { incompatibilities, parseCompatibilityLevel } from './compatibility';

const type = (fields: object[]) => avro.Type.forSchema({ type: 'record', name: 'E', fields } as avro.Schema);
const v1 = type([{ name: 'id', type: 'string' }]);
const addOptional = type([{ name: 'id', type: 'string' }, { name: 'n', type: ['null', 'int'], default: null }]);
const addRequired = type([{ name: 'id', type: 'string' }, { name: 'n', type: 'int' }]);
const dropId = type([{ name: 'n', type: ['null', 'int'], default: null }]);

describe(incompatibilities.name, () => {
  it('accepts adding a field with a default under BACKWARD', () => {
    expect(incompatibilities('BACKWARD', addOptional, [v1])).toEqual([]);
  });

  it('refuses adding a field without a default under BACKWARD, saying why', () => {
    const problems = incompatibilities('BACKWARD', addRequired, [v1]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/cannot read data written with an earlier one/);
  });

  it('checks only the latest version unless transitive', () => {
    expect(incompatibilities('FORWARD', dropId, [v1, addOptional])).not.toEqual([]);
    expect(incompatibilities('BACKWARD', addOptional, [addRequired, v1])).toEqual([]);
    expect(incompatibilities('BACKWARD_TRANSITIVE', v1, [addRequired, addOptional])).toEqual([]);
  });

  it('checks both directions under FULL', () => {
    expect(incompatibilities('FULL', addOptional, [v1])).toEqual([]);
    expect(incompatibilities('FULL', addRequired, [v1])).toHaveLength(1);
  });

  it('accepts anything under NONE', () => {
    expect(incompatibilities('NONE', addRequired, [v1])).toEqual([]);
  });
});

describe(parseCompatibilityLevel.name, () => {
  it('takes any case, refuses unknown levels', () => {
    expect(parseCompatibilityLevel('backward_transitive')).toBe('BACKWARD_TRANSITIVE');
    expect(parseCompatibilityLevel('sideways')).toBeUndefined();
    expect(parseCompatibilityLevel(3)).toBeUndefined();
  });
});
