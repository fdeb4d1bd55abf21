//! Targeted-review reminders: 30, 7 and 1 days before a window closes that draft cases wait on, every
//! owner and staff member hears which cases are not yet sent to CMS (a case sent, or decided, needs
//! nothing more from them before the close). An UNCONFIRMED close is said to be one.

use super::{Planned, plan};
use crate::App;
use crate::error::AppResult;
use crate::mail;
use crate::principal::Principal;
use chrono::{DateTime, Utc};
use hardship_store::{Membership, ReminderKey, Role, TenantId, User};

/// The messages due at `now` for the tenant's draft cases.
pub(super) async fn planned(
    app: &App,
    p: &Principal,
    tenant: TenantId,
    organization: &str,
    members: &[(Membership, User)],
    now: DateTime<Utc>,
) -> AppResult<Vec<Planned>> {
    let base = app.public_url();
    let mut out = Vec::new();
    for w in crate::review::open_windows(app, p).await? {
        let Some(days) = plan::deadline_due(w.closes, now) else {
            continue;
        };
        let left = plan::days_left(w.closes, now);
        let cases: Vec<String> = w
            .drafts
            .iter()
            .map(|r| {
                format!(
                    "{} (TIN {}{})",
                    r.practice_name,
                    r.tin,
                    r.npi
                        .as_ref()
                        .map(|n| format!(" / NPI {n}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let unconfirmed = if w.window.confirmed {
            ""
        } else {
            " The close is UNCONFIRMED (no source states it): check CMS's announcement."
        };
        let mut text = format!(
            "The targeted-review window for performance year {} closes in {left} day(s): {}.{unconfirmed}\n\
             CMS's decision on a request is final (42 CFR 414.1385(a)(4)); a request not sent by then \
             cannot be sent.\n\nCases not yet sent to CMS:\n",
            w.window.year, w.window.text
        );
        for (r, c) in w.drafts.iter().zip(&cases) {
            text.push_str(&format!("- {c}\n"));
            if let Some(b) = base {
                text.push_str(&format!(
                    "  {}\n",
                    mail::link(b, &format!("/targeted-reviews/{}", r.id))
                ));
            }
        }
        for (m, user) in members
            .iter()
            .filter(|(m, _)| matches!(m.role, Role::Owner | Role::Staff))
        {
            out.push(Planned {
                key: ReminderKey {
                    tenant,
                    recipient: user.id,
                    kind: format!("review_{days}"),
                    period: format!("PY{} {}", w.window.year, w.closes.to_rfc3339()),
                },
                message: mail::Message {
                    to: user.email.clone(),
                    subject: format!(
                        "{organization}: targeted review for PY {} closes in {left} day(s)",
                        w.window.year
                    ),
                    text: format!(
                        "{text}\nYou receive this as {} of {organization}. Each reminder is sent once.\n",
                        m.role.code()
                    ),
                },
                practices: cases.clone(),
            });
        }
    }
    Ok(out)
}
