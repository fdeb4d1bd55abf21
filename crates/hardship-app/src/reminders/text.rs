//! The words of the reminders: a deadline reminder listing the practices still at risk, and the weekly
//! digest of open work. Plain text; names are written as they are stored (UTF-8 end to end).

use super::plan::Line;
use crate::mail::{self, Message};
use crate::years::DeadlineView;

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What is open for a line, in words: "16 clinicians need an application; 1 application not sent";
/// with `missing`, also what the practice-year lacks (the digest; a deadline reminder stays short).
fn open_items(l: &Line, missing: bool) -> String {
    let mut parts = Vec::new();
    if l.needs_application > 0 {
        parts.push(format!(
            "{} an application",
            plural(l.needs_application, "clinician needs", "clinicians need")
        ));
    }
    if l.unsent > 0 {
        parts.push(format!(
            "{} not yet sent to CMS",
            plural(l.unsent, "application", "applications")
        ));
    }
    if l.awaiting_decision > 0 {
        parts.push(format!(
            "{} awaiting CMS's decision",
            plural(l.awaiting_decision, "application", "applications")
        ));
    }
    if missing {
        // The assessment words the uncovered clinicians too; they are counted above already.
        let counted =
            |m: &&String| l.needs_application > 0 && m.contains("not covered by an application");
        parts.extend(l.missing.iter().filter(|m| !counted(m)).cloned());
    }
    parts.join("; ")
}

fn list(lines: &[Line], base: Option<&str>, missing: bool) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(&format!(
            "- {} (TIN {}), PY {}: {}\n",
            l.name,
            l.tin,
            l.year,
            open_items(l, missing)
        ));
        if let Some(base) = base {
            out.push_str(&format!(
                "  {}\n",
                mail::link(base, &format!("/practices/{}/years/{}", l.practice, l.year))
            ));
        }
    }
    out
}

fn footer(organization: &str, role: &str, base: Option<&str>) -> String {
    let open = base.map_or_else(
        || "Open hardship to see the details.".to_owned(),
        |b| format!("The dashboard: {}", mail::link(b, "/dashboard")),
    );
    format!(
        "\n{open}\n\nYou receive this as {role} of {organization}. Each reminder is sent once.\n"
    )
}

fn closes(d: &DeadlineView) -> String {
    let hour = if d.confirmed {
        ""
    } else {
        " (the hour is UNCONFIRMED: 8 p.m. ET assumed)"
    };
    format!("{}{hour}", d.closes_local)
}

/// A reminder `days_left` days before a year's deadline, listing the practices still at risk.
pub fn deadline(
    to: &str,
    organization: &str,
    role: &str,
    d: &DeadlineView,
    days_left: i64,
    lines: &[Line],
    base: Option<&str>,
) -> Message {
    let when = if days_left == 1 {
        "1 day".to_owned()
    } else {
        format!("{days_left} days")
    };
    Message {
        to: to.to_owned(),
        subject: format!(
            "[{organization}] PY {} hardship applications close in {when}: {} still at risk",
            d.year,
            plural(
                u32::try_from(lines.len()).unwrap_or(u32::MAX),
                "practice",
                "practices"
            )
        ),
        text: format!(
            "Hello,\n\n\
             The Promoting Interoperability hardship application window for performance year {} \
             closes {} — in {when}.\n\n\
             These practices of {organization} still need an application, or have one not yet sent \
             to CMS:\n\n{}{}",
            d.year,
            closes(d),
            list(lines, base, false),
            footer(organization, role, base)
        ),
    }
}

/// The weekly digest: per year, every practice with work open.
pub fn weekly(
    to: &str,
    organization: &str,
    role: &str,
    week: &str,
    years: &[(DeadlineView, Vec<Line>)],
    base: Option<&str>,
) -> Message {
    let practices: usize = years.iter().map(|(_, l)| l.len()).sum();
    let mut body =
        format!("Hello,\n\nThe open hardship work of {organization} this week ({week}):\n");
    for (d, lines) in years {
        let when = match (d.state.as_str(), d.days_left) {
            ("open", Some(n)) => format!("the window closes {} — {n} days left", closes(d)),
            ("closed", _) => "the window has closed".to_owned(),
            _ => format!("the window: {}", d.text),
        };
        body.push_str(&format!(
            "\nPerformance year {} ({when}):\n\n{}",
            d.year,
            list(lines, base, true)
        ));
    }
    body.push_str(&footer(organization, role, base));
    Message {
        to: to.to_owned(),
        subject: format!(
            "[{organization}] Weekly hardship digest {week}: {} with open work",
            plural(
                u32::try_from(practices).unwrap_or(u32::MAX),
                "practice",
                "practices"
            )
        ),
        text: body,
    }
}
