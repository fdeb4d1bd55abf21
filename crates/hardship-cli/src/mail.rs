//! Mail settings shared by `hardship serve` and `hardship remind`: the SMTP server (a URL in lettre's
//! conventions, its password never shown), the sender, and the public address links in e-mails point
//! to. Flags, then `HARDSHIP_*` environment, then the settings file, like every other setting.

use crate::storage::FileSettings;
use clap::Args;
use hardship_app::mail::Mailer;
use hardship_app::mail::smtp::SmtpMailer;
use std::sync::Arc;

#[derive(Args, Clone, Default)]
pub struct MailArgs {
    /// SMTP server for e-mail (invitations, password resets, reminders): smtp://host:port,
    /// smtp://user:password@host:587?tls=required (STARTTLS) or smtps://user:password@host:465.
    /// Without it nothing is mailed and links are shown to copy.
    #[arg(long, env = "HARDSHIP_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of every e-mail, e.g. "Hardship <noreply@example.org>".
    #[arg(long, env = "HARDSHIP_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The address people reach the site at (https://hardship.example.org), for links in e-mails.
    /// Password reset by e-mail needs it.
    #[arg(long, env = "HARDSHIP_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// What the mail settings resolved to.
pub struct Mail {
    pub mailer: Option<Arc<dyn Mailer>>,
    pub public_url: Option<String>,
}

impl MailArgs {
    /// The mailer (when an SMTP URL is set) and the public address, checked: a bad URL, a missing or
    /// bad sender, or a public address that is not http(s) is an error naming the setting.
    pub fn resolve(&self, file: &FileSettings) -> Result<Mail, String> {
        let url = self.smtp_url.clone().or(file.smtp_url.clone());
        let from = self.mail_from.clone().or(file.mail_from.clone());
        let public_url = self
            .public_url
            .clone()
            .or(file.public_url.clone())
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        if let Some(u) = &public_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && !u.contains(char::is_whitespace)
                && url::Url::parse(u).is_ok_and(|p| p.host_str().is_some());
            if !ok {
                return Err(format!(
                    "invalid HARDSHIP_PUBLIC_URL {u:?}: the site's address, e.g. https://hardship.example.org"
                ));
            }
        }
        let mailer = match url.filter(|u| !u.trim().is_empty()) {
            None => None,
            Some(url) => {
                let from = from.ok_or(
                    "HARDSHIP_SMTP_URL is set but HARDSHIP_MAIL_FROM is not: give the sender, e.g. \
                     \"Hardship <noreply@example.org>\"",
                )?;
                let m: Arc<dyn Mailer> = Arc::new(SmtpMailer::from_url(url.trim(), &from)?);
                Some(m)
            }
        };
        Ok(Mail { mailer, public_url })
    }
}
