// A real OpenID Connect provider (panva's oidc-provider) for the demo and the tests, set
// up to answer as GOV.UK One Login does for identity: authorization code with PKCE,
// signed request objects, private_key_jwt client authentication, and userinfo carrying
// the signed core identity JWT (https://vocab.account.gov.uk/v1/coreIdentityJWT) and the
// addresses (https://vocab.account.gov.uk/v1/address). Never used in production: LRS is
// pointed at GOV.UK One Login there (README, docs/learners.md).
//
//   node scripts/oidc-provider.mjs CONFIG.json
//
// CONFIG.json: {"host", "port", "issuer", "clients": [{client_id, redirect_uris,
// post_logout_redirect_uris, jwks}], "identities_file"}. The identities file (read again
// at every sign-in, so tests can change it) lists the demo people: [{"id", "label",
// "email", "names": [{"given": [..], "family", "validUntil"?}], "birth_date",
// "addresses": [{"postalCode", "validFrom"?, "validUntil"?, ...}]}]. The provider's own
// signing keys are made afresh at every start and published at its JWKS and DID URLs.
// It also stands in for DfE Sign-in: an identity with an "organisation" (DfE Sign-in's
// organisation object: {id, name, ukprn, urn, category}) and "roles" (role codes), plus
// "given_name", "family_name", signs in an organisation user (scope "organisation").
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

import * as jose from "jose";
import Provider from "oidc-provider";

const CORE_IDENTITY = "https://vocab.account.gov.uk/v1/coreIdentityJWT";
const ADDRESS = "https://vocab.account.gov.uk/v1/address";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = config.issuer.replace(/\/$/, "");
const identityIssuer = `${issuer}/identity/`;
const didHost = new URL(issuer).host.replace(":", "%3A");
const did = `did:web:${didHost}`;

async function keyPair(kid) {
  const { publicKey, privateKey } = await jose.generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };
  return { privateKey, publicJwk, privateJwk };
}

const tokenKeys = await keyPair("lrs-local-token-key");
const identityKey = await keyPair(`${did}#lrs-local-identity-key`);

function identities() {
  return JSON.parse(readFileSync(config.identities_file, "utf8"));
}

function subjectOf(identity) {
  return `urn:fdc:lrs-local:2026:${identity.id}`;
}

function findIdentity(accountId) {
  return identities().find((identity) => subjectOf(identity) === accountId);
}

async function coreIdentityJwt(identity, clientId) {
  const now = Math.floor(Date.now() / 1000);
  const name = identity.names.map((entry) => ({
    ...(entry.validUntil ? { validUntil: entry.validUntil } : {}),
    nameParts: [
      ...entry.given.map((value) => ({ type: "GivenName", value })),
      { type: "FamilyName", value: entry.family },
    ],
  }));
  return new jose.SignJWT({
    vot: "P2",
    vtm: `${issuer}/trustmark`,
    vc: {
      type: ["VerifiableCredential", "IdentityCheckCredential"],
      credentialSubject: { name, birthDate: [{ value: identity.birth_date }] },
    },
  })
    .setProtectedHeader({ alg: "ES256", kid: identityKey.publicJwk.kid, typ: "JWT" })
    .setIssuer(identityIssuer)
    .setSubject(subjectOf(identity))
    .setAudience(clientId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 180)
    .sign(identityKey.privateKey);
}

const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    ...client,
    response_types: ["code"],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "private_key_jwt",
    id_token_signed_response_alg: "ES256",
    require_signed_request_object: true,
  })),
  jwks: { keys: [tokenKeys.privateJwk] },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name"],
    [CORE_IDENTITY]: null,
    [ADDRESS]: null,
    // As DfE Sign-in answers for organisation users: the organisation they chose and,
    // standing in for its roles API, the codes of their roles in the service.
    organisation: ["organisation", "roles"],
  },
  extraParams: ["vtr", "ui_locales"],
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    requestObjects: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page(
          "Sign out",
          `<h1>Sign out of the local identity provider</h1>${form}
           <button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
        );
      },
    },
  },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [jose.base64url.encode(crypto.getRandomValues(new Uint8Array(32)))] },
  async findAccount(ctx, accountId) {
    const identity = findIdentity(accountId);
    if (!identity) return undefined;
    return {
      accountId,
      async claims() {
        const clientId = ctx.oidc?.client?.clientId ?? config.clients[0].client_id;
        if (identity.organisation) {
          return {
            sub: accountId,
            email: identity.email,
            email_verified: true,
            given_name: identity.given_name,
            family_name: identity.family_name,
            organisation: identity.organisation,
            roles: identity.roles ?? [],
          };
        }
        return {
          sub: accountId,
          email: identity.email,
          email_verified: true,
          [CORE_IDENTITY]: await coreIdentityJwt(identity, clientId),
          [ADDRESS]: identity.addresses,
        };
      },
    };
  },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} – local identity provider (demo and tests only)</title></head>
<body><main>${body}</main></body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      data += chunk;
      if (data.length > 10_000) req.destroy();
    });
    req.on("end", () => resolve(new URLSearchParams(data)));
    req.on("error", reject);
  });
}

function send(res, status, contentType, body) {
  res.writeHead(status, { "Content-Type": contentType, "Cache-Control": "no-store" });
  res.end(body);
}

function chooser(uid) {
  const options = identities()
    .map(
      (identity, index) => `<div>
  <input type="radio" id="identity-${index}" name="identity" value="${escape(identity.id)}"${index === 0 ? " checked" : ""}>
  <label for="identity-${index}">${escape(identity.label)}</label>
</div>`,
    )
    .join("\n");
  return page(
    "Choose who to sign in as",
    `<h1>Choose who to sign in as</h1>
<p>This local identity provider stands in for GOV.UK One Login in the demo and the tests.
Each person below has proved their identity; LRS is told their names, date of birth and addresses.</p>
<form method="post" action="/interaction/${escape(uid)}/login">
<fieldset><legend>People</legend>
${options}
</fieldset>
<button type="submit">Continue</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Cancel</button></form>`,
  );
}

async function interaction(req, res) {
  const url = new URL(req.url, issuer);
  const [, , uid, action] = url.pathname.split("/");
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, "text/plain", "Interaction mismatch");
  if (req.method === "GET" && !action) {
    if (details.prompt.name === "login") return send(res, 200, "text/html; charset=utf-8", chooser(uid));
    // The consent prompt: the demo people have agreed to share what was asked for.
    const { missingOIDCScope, missingOIDCClaims } = details.prompt.details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(" "));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === "POST" && action === "login") {
    const form = await readForm(req);
    const identity = identities().find((candidate) => candidate.id === form.get("identity"));
    if (!identity) return send(res, 200, "text/html; charset=utf-8", chooser(uid));
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: subjectOf(identity) } },
      { mergeWithLastSubmission: false },
    );
  }
  if (req.method === "POST" && action === "abort") {
    return provider.interactionFinished(
      req,
      res,
      { error: "access_denied", error_description: "The person cancelled signing in" },
      { mergeWithLastSubmission: false },
    );
  }
  return send(res, 404, "text/plain", "Not found");
}

const didDocument = JSON.stringify({
  "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
  id: did,
  assertionMethod: [
    { type: "JsonWebKey", id: identityKey.publicJwk.kid, controller: did, publicKeyJwk: identityKey.publicJwk },
  ],
});

const callback = provider.callback();
const server = createServer(async (req, res) => {
  try {
    if (req.url.startsWith("/interaction/")) return await interaction(req, res);
    if (req.url === "/.well-known/did.json") return send(res, 200, "application/json", didDocument);
    return callback(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) send(res, 500, "text/plain", "The local identity provider failed");
  }
});

server.listen(config.port, config.host ?? "127.0.0.1", () => {
  console.log(`Local OIDC provider ready at ${issuer} (identity issuer ${identityIssuer})`);
});

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
