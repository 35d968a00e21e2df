// Scenario files of the simulators: NDJSON, one header line ({"sim": ...}) and steps or
// entries, with blank lines and `//` comment lines allowed. This reads the lines and
// validates them against the simulator's schemas; every error names source:line.
import type { z } from 'zod';

export class ScenarioError extends Error {}

export interface ScenarioSchemas<H, S> {
  header: z.ZodType<H>;
  item: z.ZodType<S>;
  /** What an item is called in errors: "step", "entry". */
  itemName: string;
}

/** Every line of a scenario, parsed: headers and items in file order, with line numbers. */
export function readScenario<H, S>(
  text: string,
  source: string,
  schemas: ScenarioSchemas<H, S>,
): {
  headers: H[];
  items: Array<S & { line: number }>;
} {
  const headers: H[] = [];
  const items: Array<S & { line: number }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('//')) continue;
    const where = `${source}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new ScenarioError(`${where}: not JSON: ${(e as Error).message}`);
    }
    if (v !== null && typeof v === 'object' && 'sim' in v) {
      const h = schemas.header.safeParse(v);
      if (!h.success) throw new ScenarioError(`${where}: bad header: ${issues(h.error, 'header')}`);
      headers.push(h.data);
      continue;
    }
    const s = schemas.item.safeParse(v);
    if (!s.success) throw new ScenarioError(`${where}: bad ${schemas.itemName}: ${issues(s.error, schemas.itemName)}`);
    items.push({ ...s.data, line: i + 1 });
  }
  return { headers, items };
}

function issues(err: z.ZodError, top: string): string {
  return err.issues.map((x) => `${x.path.join('.') || top}: ${x.message}`).join('; ');
}
