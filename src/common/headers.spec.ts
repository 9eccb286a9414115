import { firstHeader } from './headers';

describe('firstHeader', () => {
  it('reads a single value as it is, an empty one included', () => {
    expect(firstHeader('abc')).toBe('abc');
    expect(firstHeader('')).toBe('');
  });

  it('reads the first of a repeated header', () => {
    expect(firstHeader(['one', 'two'])).toBe('one');
  });

  it('is undefined for nothing, an empty list, or a value that is not a string', () => {
    expect(firstHeader(undefined)).toBeUndefined();
    expect(firstHeader([])).toBeUndefined();
    expect(firstHeader(42)).toBeUndefined();
    expect(firstHeader([42, 'x'])).toBeUndefined();
  });
});
