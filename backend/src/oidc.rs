//! OpenID Connect for staff (Entra ID in production, panva's
//! `oidc-provider` in the tests): the authorization code flow with PKCE,
//! `state` and `nonce`, through the `openidconnect` crate over the app's own
//! reqwest (its built-in client is for another reqwest version).
//!
//! Between the redirect to the provider and the callback, the `state`,
//! `nonce` and PKCE verifier ride in a short-lived cookie signed with the
//! token keys ([`PendingLogin`]): no server-side state, so any Lambda
//! instance can take the callback.
//!
//! Who someone is in the product follows from the ID token: the `groups`
//! claim makes a coordinator or a secretariat member
//! (`DK2020_OIDC_*_GROUPS`); anyone else is municipal staff of the
//! municipality their e-mail domain belongs to ([`dk2020_model::sign_in`]).

use std::{future::Future, pin::Pin, time::Duration};

use jiff::Timestamp;
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AsyncHttpClient, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError, HttpRequest, HttpResponse,
    IdToken, IdTokenClaims, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim,
        CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
        CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
    },
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

/// The `groups` claim (Entra ID sends group object ids there).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupsClaim {
    #[serde(default)]
    pub groups: Vec<String>,
}
impl AdditionalClaims for GroupsClaim {}

type GroupsIdTokenClaims = IdTokenClaims<GroupsClaim, CoreGenderClaim>;
type GroupsIdToken = IdToken<GroupsClaim, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type GroupsIdTokenFields = IdTokenFields<
    GroupsClaim,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type GroupsTokenResponse = StandardTokenResponse<GroupsIdTokenFields, CoreTokenType>;

/// `CoreClient` with [`GroupsClaim`], in the typestate discovery leaves it.
type StaffClient = Client<
    GroupsClaim,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    GroupsTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// openidconnect's HTTP client on reqwest, redirects off (the crate's own
/// advice against SSRF through a provider's answers).
#[derive(Clone, Debug)]
struct Http(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(Box::new)?;
            let response = self.0.execute(request).await.map_err(Box::new)?;
            let mut builder =
                openidconnect::http::Response::builder().status(response.status()).version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response.bytes().await.map_err(Box::new)?.to_vec();
            builder.body(body).map_err(HttpClientError::Http)
        })
    }
}

/// The provider's settings (`DK2020_OIDC_*`).
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// `{public_url}/auth/callback`, registered with the provider.
    pub redirect_uri: String,
    pub coordinator_groups: Vec<String>,
    pub secretariat_groups: Vec<String>,
}

/// The provider, discovered on first use and again after a failure (its
/// keys are read with its metadata: a key rotation is picked up when a
/// verification fails and the next sign-in discovers afresh).
pub struct Oidc {
    pub settings: OidcSettings,
    http: Http,
    client: RwLock<Option<StaffClient>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc").field("issuer", &self.settings.issuer).finish_non_exhaustive()
    }
}

/// What is kept between the redirect and the callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who signed in, as the ID token says.
#[derive(Debug, Clone)]
pub struct Identity {
    pub email: Option<String>,
    pub groups: Vec<String>,
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self { settings, http: Http(http), client: RwLock::new(None) })
    }

    async fn client(&self) -> anyhow::Result<StaffClient> {
        if let Some(client) = self.client.read().await.clone() {
            return Ok(client);
        }
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(self.settings.issuer.clone())?, &self.http).await?;
        let client = StaffClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(RedirectUrl::new(self.settings.redirect_uri.clone())?);
        *self.client.write().await = Some(client.clone());
        Ok(client)
    }

    /// The provider's sign-in address for a new attempt, and what to keep.
    pub async fn authorize_url(&self) -> anyhow::Result<(String, PendingLogin)> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        Ok((url.to_string(), pending))
    }

    /// The callback: the code exchanged (with the PKCE verifier) and the ID
    /// token checked (signature, issuer, audience, expiry at the app's
    /// `now`, nonce, access-token hash). `state` was compared by the caller.
    pub async fn finish(&self, code: &str, pending: &PendingLogin, now: Timestamp) -> anyhow::Result<Identity> {
        let client = self.client().await?;
        let result = self.exchange_and_verify(&client, code, pending, now).await;
        if result.is_err() {
            // Perhaps the provider rotated its keys: discover afresh next time.
            *self.client.write().await = None;
        }
        result
    }

    async fn exchange_and_verify(
        &self,
        client: &StaffClient,
        code: &str,
        pending: &PendingLogin,
        now: Timestamp,
    ) -> anyhow::Result<Identity> {
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    anyhow::anyhow!("the provider refused the code: {}", r.error())
                }
                other => anyhow::anyhow!("the provider's token endpoint failed: {other}"),
            })?;
        let id_token: &GroupsIdToken = token.id_token().ok_or_else(|| anyhow::anyhow!("no ID token in the answer"))?;
        let chrono_now = to_chrono(now);
        let verifier = client
            .id_token_verifier()
            .set_time_fn(move || chrono_now)
            // `iat` is not checked by default: not from the future, not stale.
            .set_issue_time_verifier_fn(move |iat| {
                if iat > chrono_now + chrono::TimeDelta::seconds(60) {
                    Err("the ID token was issued in the future".into())
                } else if chrono_now - iat > chrono::TimeDelta::minutes(10) {
                    Err("the ID token is too old".into())
                } else {
                    Ok(())
                }
            });
        let claims: &GroupsIdTokenClaims = id_token.claims(&verifier, &Nonce::new(pending.nonce.clone()))?;
        if let Some(expected) = claims.access_token_hash() {
            let actual = AccessTokenHash::from_token(
                token.access_token(),
                id_token.signing_alg()?,
                id_token.signing_key(&verifier)?,
            )?;
            anyhow::ensure!(actual == *expected, "the access token does not match the ID token");
        }
        let verified = claims.email_verified() != Some(false);
        Ok(Identity {
            email: claims.email().filter(|_| verified).map(|e| e.as_str().to_string()),
            groups: claims.additional_claims().groups.clone(),
        })
    }
}

/// The app's clock (jiff) as openidconnect's (chrono).
fn to_chrono(ts: Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(ts.as_second(), ts.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}
