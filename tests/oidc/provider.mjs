// The OpenID provider of the sign-in tests: panva's oidc-provider (an
// OpenID Certified implementation) with one confidential client, four users
// and a `groups` claim, as Entra ID would send it.
//
//   DK2020_NODE_MODULES=.tools/node_modules node tests/oidc/provider.mjs PORT REDIRECT_URI
//
// Prints one JSON line ({"issuer": "http://127.0.0.1:PORT"}) once it listens;
// its own warnings go to stderr. Exits when its stdin closes, so a test that
// dies takes it along.

import { createServer } from "node:http";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.DK2020_NODE_MODULES;
if (!modules) {
  console.error("set DK2020_NODE_MODULES to the folder that holds oidc-provider (cargo xtask test does)");
  process.exit(2);
}
const { default: Provider } = await import(pathToFileURL(join(modules, "oidc-provider/lib/index.js")).href);

const port = Number(process.argv[2] ?? 0);
const redirectUris = (process.argv[3] ?? "").split(",").filter(Boolean);

// The users: the login is the account id; any password is accepted (the
// provider's built-in development login form).
const ACCOUNTS = {
  coordinator: { email: "koordinator@aarhus.dk", name: "Karen Koordinator", groups: ["grp-coordinator"] },
  secretariat: { email: "sekretariat@kl.dk", name: "Søren Sekretariat", groups: ["grp-secretariat"] },
  skive: { email: "anne@skive.dk", name: "Anne Skive", groups: [] },
  randers: { email: "bo@randers.dk", name: "Bo Randers", groups: [] },
  stranger: { email: "someone@example.com", name: "Nogen Andre", groups: [] },
};

// A signing key of its own for each run.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", use: "sig", alg: "RS256" };

const server = createServer();
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(port, "127.0.0.1", resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: "dk2020",
    client_secret: "dk2020-test-secret",
    redirect_uris: redirectUris,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile"],
  // `groups` with `openid`, as Entra ID's group claim comes without a scope.
  claims: { openid: ["sub", "groups"], email: ["email", "email_verified"], profile: ["name"] },
  // The e-mail in the ID token itself, not only from userinfo.
  conformIdTokenClaims: false,
  async findAccount(_ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: true, name: account.name, groups: account.groups };
      },
    };
  },
  // No consent screen: the client is the organisation's own.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    if (!ctx.oidc.session.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(" "));
    grant.addOIDCClaims(["sub", "groups", "email", "email_verified", "name"]);
    await grant.save();
    return grant;
  },
  ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Interaction: 300, Session: 600, Grant: 600 },
});
server.on("request", provider.callback());

process.stdout.write(JSON.stringify({ issuer }) + "\n");
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
