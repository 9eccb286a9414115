import { Fields, Obj } from '../common/toolkit';

/** A value of a documented enum, or a field error naming the allowed ones. */
export function enumField<T extends string>(f: Fields, o: Obj, name: string, allowed: readonly T[], required: boolean): T | undefined {
  const v = o[name];
  if (v === undefined || v === null || v === '') {
    if (required) f.add(name, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    f.add(name, `must be one of ${allowed.join(', ')}`);
    return undefined;
  }
  return v as T;
}

/** A JSON number within [min, max] (whole unless `fraction`), or a field error. */
export function numberField(f: Fields, o: Obj, name: string, min: number, max: number, fraction = false): number | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= min && v <= max) || (!fraction && !Number.isInteger(v))) {
    f.add(name, `must be a ${fraction ? 'number' : 'whole number'} from ${min} to ${max}`);
    return undefined;
  }
  return v;
}

export function boolField(f: Fields, o: Obj, name: string): boolean | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') f.add(name, 'must be true or false');
  return typeof v === 'boolean' ? v : undefined;
}
