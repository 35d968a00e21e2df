// Charts as SVG without a browser: a vega-lite spec compiled to vega, run in a headless
// View (renderer 'none') and serialised with toSVG. Deterministic: the same spec gives
// the same bytes (text is measured by vega's built-in estimate, no canvas, no fonts).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Render a vega-lite spec to an SVG document. Warnings of the compilers are collected, not printed. */
export async function vegaLiteToSvg(spec: Record<string, unknown>, warnings: string[] = []): Promise<string> {
  const logger = vega.logger(vega.Warn);
  logger.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    return logger;
  };
  const compiled = compile(spec as unknown as TopLevelSpec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
