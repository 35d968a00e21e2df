// Run after tsc (make build): records the git state the build came from, so a run
// outside a checkout (an installed copy) still names its commit in the manifest.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, gitInfo, packageVersion } from '../config/manifest.js';

const git = gitInfo() ?? { branch: null, commit: null, dirty: null };
const info = { version: packageVersion(), ...git, built_ts: Date.now() };
writeFileSync(join(PACKAGE_ROOT, 'dist', 'buildinfo.json'), JSON.stringify(info, null, 2) + '\n');
process.stdout.write(`buildinfo: ${info.version} ${info.branch ?? '-'} ${info.commit ?? '(no commit)'}${info.dirty ? ' (dirty)' : ''}\n`);
