import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { wireError } from './errors.js';

/** The outcome of validating a value against a wire schema. */
export type Validation<T> = { ok: true; value: T } | { ok: false; path: string; message: string };

/** A compiled validator for one schema. */
export type Validator<T> = (value: unknown) => Validation<T>;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compile<S extends TSchema>(schema: S): TypeCheck<S> {
  let check = compiled.get(schema) as TypeCheck<S> | undefined;
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check as unknown as TypeCheck<TSchema>);
  }
  return check;
}

/**
 * Compiles `schema` once (TypeBox's compiler generates a checking function) and returns a
 * validator. With `coerce`, strings are first converted to the schema's scalar types (for
 * query strings and path parameters, which arrive as text); JSON bodies are never coerced, so
 * `"5"` where an integer is required is refused.
 */
export function createValidator<S extends TSchema>(
  schema: S,
  options: { coerce?: boolean } = {},
): Validator<Static<S>> {
  const check = compile(schema);
  return (input: unknown) => {
    const value = options.coerce === true ? Value.Convert(schema, input) : input;
    if (check.Check(value)) return { ok: true, value: value as Static<S> };
    const first = check.Errors(value).First();
    return {
      ok: false,
      path: first === undefined || first.path === '' ? '/' : first.path,
      message: first?.message ?? 'invalid value',
    };
  };
}

/** Returns `value` typed by `schema`, or throws `request.invalid` with `detail.path`. */
export function parseWire<S extends TSchema>(schema: S, value: unknown): Static<S> {
  const result = createValidator(schema)(value);
  if (!result.ok) throw wireError('request.invalid', `invalid value at ${result.path}`, { path: result.path });
  return result.value;
}
