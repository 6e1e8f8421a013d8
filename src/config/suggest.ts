/**
 * "Did you mean …?" for a config key nobody knows: the known keys of the object at the path in the schema,
 * and the nearest of them by edit distance ("retires" → "retries"), when one is near enough to be a typo.
 */
import type { z } from 'zod';

/** The zod 4 definition fields this walk reads (wrappers, objects, records, arrays, unions, pipes). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schemas an object value at `path` may be checked against (more than one under a union). */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  const def = defOf(schema);
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  if (inner) return schemasAt(inner, path);
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => schemasAt(o, path));
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === 'object') {
    const child = def.shape?.[String(head)];
    return child ? schemasAt(child, rest) : [];
  }
  if (def.type === 'record' && def.valueType) return schemasAt(def.valueType, rest);
  if (def.type === 'array' && def.element) return schemasAt(def.element, rest);
  return [];
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known key nearest to `key` at `path`, if one is within a typo's reach (a third of its length, at most 3). */
export function nearestKey(schema: z.ZodType, path: readonly PropertyKey[], key: string): string | undefined {
  const known = new Set(schemasAt(schema, path).flatMap((s) => Object.keys(defOf(s).shape ?? {})));
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { key: k, d };
  }
  const reach = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  return best && best.d <= reach ? best.key : undefined;
}
