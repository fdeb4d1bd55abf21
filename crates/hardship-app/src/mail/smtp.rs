//! The SMTP mailer: lettre's async transport on tokio with rustls (the ring provider, the system's
//! roots). The server is a URL in lettre's conventions:
//!
//! - `smtp://host:2525` — plain SMTP (a relay on the same host or network);
//! - `smtp://user:pass@host:587?tls=required` — STARTTLS, refused if the server does not offer it;
//! - `smtp://host:587?tls=opportunistic` — STARTTLS when offered;
//! - `smtps://user:pass@host:465` — TLS from the first byte.
//!
//! Credentials in the URL are percent-decoded by lettre; the URL is only ever shown through
//! [`hardship_vault::redact_url`], so the password never reaches a log or an error message.

use super::{MailError, Mailer, Message};
use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How long one delivery may take (connect, TLS, the SMTP dialogue) before it is given up: a page that
/// mails an invitation must still answer within the request timeout.
const TIMEOUT: Duration = Duration::from_secs(15);

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    shown: String,
}

impl SmtpMailer {
    /// A mailer for the server at `url` sending as `from` (`name <address>` or an address). Errors
    /// name the setting and never repeat the password.
    pub fn from_url(url: &str, from: &str) -> Result<SmtpMailer, String> {
        let shown = hardship_vault::redact_url(url);
        let scheme_ok = url.starts_with("smtp://") || url.starts_with("smtps://");
        if !scheme_ok {
            return Err(format!(
                "invalid HARDSHIP_SMTP_URL {shown:?}: use smtp://host:port, smtp://…?tls=required \
                 (STARTTLS) or smtps://user:password@host:465"
            ));
        }
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| {
            // lettre's message may quote the URL's parts: say only what kind of problem it is.
            let kind = if e.to_string().contains("tls") {
                "an unknown tls= value (required or opportunistic)"
            } else {
                "not a URL lettre can use"
            };
            format!("invalid HARDSHIP_SMTP_URL {shown:?}: {kind}")
        })?;
        let from: Mailbox = from.trim().parse().map_err(|e| {
            format!(
                "invalid HARDSHIP_MAIL_FROM {from:?}: {e} (e.g. Hardship <noreply@example.org>)"
            )
        })?;
        Ok(SmtpMailer {
            transport: builder.timeout(Some(TIMEOUT)).build(),
            from,
            shown,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        let to: Mailbox =
            m.to.parse()
                .map_err(|e| MailError(format!("cannot mail {:?}: {e}", m.to)))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(m.text.clone())
            .map_err(|e| MailError(format!("cannot build the message: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError(format!("{} refused or unreachable: {e}", self.shown)))
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_in_lettres_conventions_and_no_password_shown() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:s3cret@mail.example.org:587?tls=required",
            "smtp://mail.example.org?tls=opportunistic",
            "smtps://user:s3cret@mail.example.org:465",
        ] {
            let m = SmtpMailer::from_url(url, "Hardship <noreply@example.org>").unwrap();
            assert!(!m.describe().contains("s3cret"), "{}", m.describe());
        }
        for url in [
            "http://mail.example.org",
            "smtp://user:s3cret@mail.example.org?tls=sometimes",
            "mail.example.org:25",
        ] {
            let e = SmtpMailer::from_url(url, "noreply@example.org")
                .err()
                .unwrap();
            assert!(!e.contains("s3cret"), "{e}");
            assert!(e.contains("HARDSHIP_SMTP_URL"), "{e}");
        }
        let e = SmtpMailer::from_url("smtp://h:25", "not an address")
            .err()
            .unwrap();
        assert!(e.contains("HARDSHIP_MAIL_FROM"), "{e}");
    }
}
