// The config file's schema: one strict object per section, so a misspelt key is an error
// that names it. Sections of later commands live in ./sections/<name>.ts and are listed
// here. Defaults are part of the schema, so the resolved config (and its fingerprint)
// states every value a run used.
import { z } from 'zod';
import { logSection, metricsSection, streamSection } from './sections/core.js';
import { calibrateSection } from './sections/calibrate.js';
import { feesSection } from './sections/fees.js';
import { kellySection } from './sections/kelly.js';
import { ledgerSection } from './sections/ledger.js';
import { boltoddsSection, oddsapiSection } from './sections/feeds.js';
import { arbitrateSection, devigSection } from './sections/oracle.js';
import { feedKalshiSection } from './sections/kalshi.js';
import { quoteSection } from './sections/quote.js';
import { clvSection } from './sections/clv.js';
import { gateSection } from './sections/gate.js';

export const sections = {
  log: logSection,
  metrics: metricsSection,
  stream: streamSection,
  // sections of later commands are added below this line
  calibrate: calibrateSection,
  fees: feesSection,
  kelly: kellySection,
  ledger: ledgerSection,
  boltodds: boltoddsSection,
  oddsapi: oddsapiSection,
  devig: devigSection,
  arbitrate: arbitrateSection,
  kalshi: feedKalshiSection,
  quote: quoteSection,
  clv: clvSection,
  gate: gateSection,
};

export const configSchema = z.strictObject(sections);
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Profiles that commands give a meaning to; a config file may define others. */
export const KNOWN_PROFILES = ['shadow-control', 'shadow-experiment', 'live'] as const;
