/** Module-resolution hook (runs on Node's loader thread): appends each resolved URL to HPO_LOAD_TRACE. */
import { appendFileSync } from 'node:fs';

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const result = await next(specifier, context);
  const file = process.env.HPO_LOAD_TRACE;
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}
