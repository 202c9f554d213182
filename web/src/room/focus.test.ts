import { describe, expect, it } from 'vitest';
import { achievementsFrom, fieldsToInputs } from './focus';

describe('fieldsToInputs', () => {
  it('maps the server goal index back to the input, skipping empty inputs', () => {
    // Inputs 0 and 2 had text; the server complains about the second goal sent.
    expect(fieldsToInputs({ 'goals.1': 'Too long', shareGoals: 'x' }, [0, 2])).toEqual({ 2: 'Too long' });
  });
});

describe('achievementsFrom', () => {
  it('joins ticked goals and typed lines', () => {
    expect(achievementsFrom(['a', 'b', 'c'], [true, false, true], ' d \n\n e ')).toEqual(['a', 'c', 'd', 'e']);
    expect(achievementsFrom([], [], '')).toEqual([]);
  });
});
