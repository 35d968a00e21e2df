// `chimera <command> [args]`: every command under one name, and the list of them.
import { packageVersion } from '../config/manifest.js';
import { COMMANDS, COMMAND_NAMES, type CommandName } from './registry.js';

const USAGE = `chimera - price and trade Kalshi NBA/NHL game-winner contracts from sportsbook lines

Examples:
  $ chimera validate recorded.ndjson
      Check a recorded stream; one diagnostic per bad line, counts by type.
  $ chimera devig --method shin < lines.ndjson
      Any command runs as \`chimera <command>\` or as its own program.

Usage: chimera <command> [options] [args]
       chimera <command> --help

Commands:
${COMMAND_NAMES.map((n) => `  ${n.padEnd(16)} ${COMMANDS[n].summary}`).join('\n')}

Every command reads and writes NDJSON records (see chimera(7) and man ./man/<command>.1).
`;

export async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(USAGE);
    process.exit(first === undefined ? 2 : 0);
  }
  if (first === '-V' || first === '--version') {
    process.stdout.write(`chimera ${packageVersion()}\n`);
    process.exit(0);
  }
  if (!Object.prototype.hasOwnProperty.call(COMMANDS, first)) {
    process.stderr.write(`chimera: unknown command "${first}"\n\n${USAGE}`);
    process.exit(2);
  }
  const mod = (await COMMANDS[first as CommandName].load()) as { main(argv: string[]): Promise<void> };
  await mod.main(rest);
}
