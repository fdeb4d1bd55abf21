//! The words of the invitation and password reset messages (the reminders write theirs in
//! [`crate::reminders`]). Plain text, short lines, the link alone on its line so mail programs make it
//! clickable whole.

use super::Message;
use chrono::{DateTime, Utc};

/// An invitation to join an organization.
pub fn invitation(
    to: &str,
    organization: &str,
    invited_by: &str,
    role: &str,
    link: &str,
    expires: DateTime<Utc>,
) -> Message {
    let what = match role {
        "owner" => "an owner (you can also invite people and mint API tokens)",
        "staff" => "staff (you prepare and file hardship applications)",
        _ => "an auditor (you can see everything and change nothing)",
    };
    Message {
        to: to.to_owned(),
        subject: format!("Invitation to {organization} on hardship"),
        text: format!(
            "Hello,\n\n\
             {invited_by} invites you to join {organization} as {what}.\n\n\
             Open this link to accept (it works once, until {}):\n\n\
             {link}\n\n\
             If you did not expect this invitation, you can ignore this message.\n",
            expires.format("%Y-%m-%d %H:%M UTC")
        ),
    }
}

/// A password reset link.
pub fn password_reset(to: &str, link: &str, expires: DateTime<Utc>) -> Message {
    Message {
        to: to.to_owned(),
        subject: "Reset your hardship password".into(),
        text: format!(
            "Hello,\n\n\
             Someone (we hope you) asked to reset the password of the hardship account {to}.\n\n\
             Open this link to choose a new password (it works once, until {}):\n\n\
             {link}\n\n\
             Setting a new password signs you out everywhere. If you did not ask for this, ignore \
             this message: your password stays as it is.\n",
            expires.format("%Y-%m-%d %H:%M UTC")
        ),
    }
}
