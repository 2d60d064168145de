/**
 * Branded types: a plain string or number at run time, a distinct type at
 * compile time, so an AccountId can never be passed where a DeviceId goes.
 * Each brand is made in exactly one place (its `parse*`/`create*` function).
 */
declare const brand: unique symbol;
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };
