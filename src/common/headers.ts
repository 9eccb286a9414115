/**
 * The first value of an HTTP header as Node, Fastify or undici hand it over (a string, an array
 * when the header was repeated, or nothing), or undefined when there is no string value.
 */
export function firstHeader(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}
