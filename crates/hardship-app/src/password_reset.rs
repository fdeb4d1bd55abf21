//! Password reset by e-mail. Asking for a link answers the same whatever the address (the front end
//! says "if an account exists, we sent a link" and does [`send_link`] in the background, so neither the
//! words nor the time tell whether an account exists). A link is a random secret of which only the
//! SHA-256 is stored; it works once, for [`AppSettings::reset_ttl`](crate::AppSettings) (an hour),
//! and setting the password through it ends every session of the user and writes an audit event in
//! each of the user's organizations (the store does both in one transaction).

use crate::App;
use crate::access::{new_secret, secret_hash};
use crate::error::{AppError, AppResult};
use crate::mail::{self, Mailer};
use crate::passwords::{HashError, check_password_policy};
use hardship_store::{PasswordReset, ResetRefusal, User};
use std::sync::Arc;

/// Whether this installation can mail reset links: an SMTP server and a public address for the links.
pub fn available(app: &App) -> bool {
    app.mailer.is_some() && app.public_url().is_some()
}

/// What became of a request (for logs and tests; the person asking is told the same in every case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requested {
    /// A link was mailed to the account's address.
    Mailed,
    /// No account has this address: nothing was sent.
    NoAccount,
    /// Mail is not set up here.
    Unavailable,
}

/// Makes a link for the account with this address and mails it; nothing for an unknown address.
pub async fn send_link(app: &App, email: &str) -> AppResult<Requested> {
    let (Some(mailer), Some(base)) = (app.mailer.clone(), app.public_url()) else {
        return Ok(Requested::Unavailable);
    };
    let Some(user) = app.store.find_user_by_email(email.trim()).await? else {
        return Ok(Requested::NoAccount);
    };
    let secret = new_secret()?;
    let ttl =
        chrono::Duration::from_std(app.settings.reset_ttl).unwrap_or(chrono::Duration::hours(1));
    let reset = app
        .store
        .create_password_reset(user.id, secret_hash(&secret), app.now() + ttl)
        .await?;
    let link = mail::link(base, &format!("/reset-password/{secret}"));
    deliver(mailer, &user, &link, &reset).await?;
    Ok(Requested::Mailed)
}

async fn deliver(
    mailer: Arc<dyn Mailer>,
    user: &User,
    link: &str,
    reset: &PasswordReset,
) -> AppResult<()> {
    let message = mail::texts::password_reset(&user.email, link, reset.expires_at);
    mailer
        .send(&message)
        .await
        .map_err(|e| AppError::Unavailable(format!("password reset link not mailed: {e}")))
}

/// Whether the link with this secret may still set a password (for the page that asks for it).
pub async fn check(app: &App, secret: &str) -> AppResult<Result<PasswordReset, ResetRefusal>> {
    let Some(reset) = app.store.find_password_reset(&secret_hash(secret)).await? else {
        return Ok(Err(ResetRefusal::Unknown));
    };
    Ok(reset.check(app.now()).map(|()| reset))
}

/// Sets a new password through a link: the same rules as sign-up, argon2id on the bounded hasher, and
/// the store's one transaction (password, every link spent, sessions ended, audit events).
pub async fn complete(
    app: &App,
    secret: &str,
    password: &str,
    confirm: &str,
) -> AppResult<Result<User, ResetRefusal>> {
    // A dead link is refused before any hashing: no work for a guess.
    if let Err(refused) = check(app, secret).await? {
        return Ok(Err(refused));
    }
    check_password_policy(password).map_err(|m| AppError::invalid("password", m))?;
    if password != confirm {
        return Err(AppError::invalid(
            "password_confirm",
            "password_confirm: the two passwords differ",
        ));
    }
    let hash = app
        .passwords
        .hash(password.to_owned())
        .await
        .map_err(|e| match e {
            HashError::Busy => AppError::TooMany {
                message: e.to_string(),
                retry_after: 5,
            },
            HashError::Failed(m) => AppError::Internal(m),
        })?;
    Ok(app
        .store
        .reset_password(&secret_hash(secret), app.now(), &hash)
        .await?)
}

/// Words for a link that no longer works, for the page that refuses it.
pub fn refusal_words(r: ResetRefusal) -> &'static str {
    match r {
        ResetRefusal::Unknown => {
            "This password reset link is not valid. Check that the whole link was copied, or ask for a new one."
        }
        ResetRefusal::Used => {
            "This password reset link has already been used. If you still need to reset your password, ask for a new link."
        }
        ResetRefusal::Expired => {
            "This password reset link has expired (links work for one hour). Ask for a new one."
        }
    }
}
