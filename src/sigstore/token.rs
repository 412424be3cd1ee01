//! Where the OIDC token comes from, first that applies (DESIGN.md section 5): the provider
//! `gitseal.tokenProvider` names; `SIGSTORE_ID_TOKEN`; GitHub Actions' ambient credentials;
//! (then, in [`super::sign`], a cached certificate); then an interactive flow.

use sigstore_oidc::IdentityToken;

use super::sign::{SignError, SignSettings};
use crate::secret::Secret;

/// cosign's file provider path.
const FILESYSTEM_TOKEN: &str = "/var/run/sigstore/cosign/oidc-token";

/// A token that needs nobody at the keyboard, if one is configured or ambient.
pub fn explicit(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
) -> Result<Option<IdentityToken>, SignError> {
    let raw = match settings.token_provider.as_deref() {
        Some("envvar") => Some(settings.id_token.clone().ok_or_else(|| {
            SignError::Token("gitseal.tokenProvider is envvar but SIGSTORE_ID_TOKEN is not set".into())
        })?),
        Some("filesystem") => Some(Secret::new(
            std::fs::read_to_string(FILESYSTEM_TOKEN)
                .map_err(|e| {
                    SignError::Token(format!(
                        "oidc: cannot read {FILESYSTEM_TOKEN}: {}",
                        crate::error::io_reason(&e)
                    ))
                })?
                .trim()
                .to_string(),
        )),
        Some("github-actions") => Some(actions(settings, runtime, http)?.ok_or_else(|| {
            SignError::Token(
                "gitseal.tokenProvider is github-actions but ACTIONS_ID_TOKEN_REQUEST_URL is not set (does the job have `permissions: id-token: write`?)".into(),
            )
        })?),
        Some("interactive" | "browser" | "device") => None,
        Some(other) => {
            return Err(SignError::Token(format!(
                "unknown gitseal.tokenProvider `{other}` (envvar, filesystem, github-actions, interactive, device)"
            )));
        }
        None => match &settings.id_token {
            Some(token) => Some(token.clone()),
            None => actions(settings, runtime, http)?,
        },
    };
    raw.map(|raw| parse(&raw)).transpose()
}

/// The interactive flows (a browser with a loopback redirect, else the device flow).
pub fn interactive(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    notes: &mut dyn FnMut(&str),
) -> Result<IdentityToken, SignError> {
    // Without a named provider, a login starts only for a person at a terminal, and
    // never when `gitseal.interactive=false` says nobody is there to finish it.
    if settings.token_provider.is_none() && !(settings.login_allowed && settings.terminal) {
        let how = if settings.login_allowed {
            "or log in from a terminal (gitseal login)"
        } else {
            "(gitseal.interactive is false, so no login is started)"
        };
        return Err(SignError::NoLogin(format!(
            "keyless (x509) signing found no OIDC token for {}: set SIGSTORE_ID_TOKEN, run in GitHub Actions, name a gitseal.tokenProvider {how}",
            settings.issuer
        )));
    }
    let raw = super::oidc::login(settings, runtime, http, notes)?;
    parse(&raw)
}

/// A JWT as the Sigstore crates read it; its claims are untrusted (Fulcio checks it).
/// Public for the fuzz target `oidc_token` (`crate::fuzzing`).
pub fn parse(raw: &Secret) -> Result<IdentityToken, SignError> {
    let token = IdentityToken::from_jwt(raw.expose())
        .map_err(|_| SignError::Token("oidc: the identity token is not a JWT".into()))?;
    if token.is_expired() {
        return Err(SignError::Token(format!(
            "oidc: the identity token from {} expired at {}",
            token.issuer(),
            token.expiration()
        )));
    }
    Ok(token)
}

/// GitHub Actions' token service: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore`
/// with the request token as bearer, answering `{"value": "<jwt>"}`.
fn actions(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
) -> Result<Option<Secret>, SignError> {
    let Some((url, bearer)) = &settings.actions else {
        return Ok(None);
    };
    // The URL names the service (its query is a run id, no secret); the bearer is never
    // part of an error.
    let failed = |cause: String| {
        SignError::Token(format!(
            "github actions token service ({url}): {}",
            super::one_line(&cause)
        ))
    };
    let separator = if url.contains('?') { '&' } else { '?' };
    let request = http
        .get(format!("{url}{separator}audience={}", settings.client_id))
        .bearer_auth(bearer.expose());
    // Read whole first (a timeout while reading is not "not JSON"), and no more of it
    // than a token can be.
    let max = super::oidc::MAX_ANSWER_BYTES;
    let body = super::exchange(runtime, request, settings.timeout, max).map_err(|failure| {
        failed(match failure {
            super::ExchangeFailure::Transport(why) | super::ExchangeFailure::Status(why) => why,
            super::ExchangeFailure::TooLarge(status) => format!(
                "HTTP {} with an answer of more than {max} bytes; refused",
                status.as_u16()
            ),
        })
    })?;
    let json: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| failed("the answer is not JSON".into()))?;
    let value = json["value"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| failed("the answer has no `value`".into()))?;
    Ok(Some(Secret::new(value)))
}
