//! E-mail: what the product sends (invitations, password reset links, reminders) and the one door it
//! goes out by, the [`Mailer`] trait. The SMTP implementation ([`smtp::SmtpMailer`], lettre) is what
//! `hardship serve` and `hardship remind` use when `HARDSHIP_SMTP_URL` is set; without it nothing is
//! mailed and the product shows links to copy, as before. Tests can put any mailer behind the trait.
//!
//! Messages are plain UTF-8 text: lettre encodes the subject (RFC 2047) and picks the body's transfer
//! encoding, so names like "Nguyễn Văn An" arrive as they were written.

/// The SMTP client (lettre over tokio and rustls).
pub mod smtp;
/// The words of each message.
pub mod texts;

use async_trait::async_trait;

/// One message to one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub to: String,
    pub subject: String,
    /// Plain text; lines end with `\n`.
    pub text: String,
}

/// Why a message did not go out (never holds a password: see [`smtp`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MailError(pub String);

/// Sends e-mail. Implementations are cheap to share (`Arc<dyn Mailer>` in [`crate::App`]).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), MailError>;
    /// Where mail goes, for logs and `--help` answers: the server URL without its password.
    fn describe(&self) -> String;
}

/// A link into the site: the configured public address (or the request's, for an owner's own
/// invitation) and a path.
pub fn link(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}
