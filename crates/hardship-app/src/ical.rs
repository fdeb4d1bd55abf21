//! The deadline calendar feed (iCalendar, RFC 5545) of a tenant: one event per performance year whose
//! PI hardship application window has not closed, at the deadline instant, with alarms 30, 7 and 1 days
//! before, and the practices that still need an application in its description. Calendar clients
//! subscribe to it; they refresh it themselves.

use chrono::{DateTime, Utc};
use std::fmt::Write as _;

/// One deadline to publish.
pub struct DeadlineEvent {
    pub year: u16,
    pub closes: DateTime<Utc>,
    /// The rule book has not confirmed the deadline's hour.
    pub unconfirmed: bool,
    pub sources: Vec<String>,
    /// Practices (name, TIN) that still need an application.
    pub practices_to_file: Vec<(String, String)>,
}

/// The close of a targeted-review window that draft cases wait on.
pub struct ReviewWindowEvent {
    pub year: u16,
    pub closes: DateTime<Utc>,
    /// No source states the close (a projection, or an hour assumed).
    pub unconfirmed: bool,
    pub sources: Vec<String>,
    /// The draft cases, in words ("Lakeside (TIN 123456789 / NPI …)").
    pub cases: Vec<String>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes a content line folded at 75 octets (RFC 5545 §3.1), never splitting a UTF-8 character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The feed. `tenant` names the calendar and makes event ids unique; `now` is the DTSTAMP.
pub fn calendar(
    tenant_id: &str,
    tenant_name: &str,
    events: &[DeadlineEvent],
    now: DateTime<Utc>,
) -> String {
    calendar_with_reviews(tenant_id, tenant_name, events, &[], now)
}

/// The feed with the targeted-review windows draft cases wait on.
pub fn calendar_with_reviews(
    tenant_id: &str,
    tenant_name: &str,
    events: &[DeadlineEvent],
    reviews: &[ReviewWindowEvent],
    now: DateTime<Utc>,
) -> String {
    let mut out = String::with_capacity(1024 + events.len() * 1024);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//hardship//PI hardship deadlines//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(
        &mut out,
        &format!(
            "X-WR-CALNAME:{}",
            text(&format!("PI hardship deadlines — {tenant_name}"))
        ),
    );
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(
            &mut out,
            &format!("UID:pi-hardship-deadline-{}-{tenant_id}@hardship", e.year),
        );
        line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
        line(&mut out, &format!("DTSTART:{}", stamp(e.closes)));
        line(&mut out, &format!("DTEND:{}", stamp(e.closes)));
        let hour = if e.unconfirmed {
            " (deadline hour UNCONFIRMED)"
        } else {
            ""
        };
        line(
            &mut out,
            &format!(
                "SUMMARY:{}",
                text(&format!(
                    "PI hardship application deadline, PY {}{hour}",
                    e.year
                ))
            ),
        );
        let mut desc = String::new();
        let _ = write!(
            desc,
            "The MIPS Promoting Interoperability hardship exception application window for performance year {} closes at this time. Sources: {}.",
            e.year,
            e.sources.join(", ")
        );
        if e.practices_to_file.is_empty() {
            desc.push_str("\nNo practice of this organization still needs an application.");
        } else {
            let _ = write!(
                desc,
                "\n{} practice(s) still need an application:",
                e.practices_to_file.len()
            );
            for (name, tin) in e.practices_to_file.iter().take(100) {
                let _ = write!(desc, "\n- {name} (TIN {tin})");
            }
            if e.practices_to_file.len() > 100 {
                let _ = write!(desc, "\n… and {} more", e.practices_to_file.len() - 100);
            }
        }
        line(&mut out, &format!("DESCRIPTION:{}", text(&desc)));
        line(&mut out, "TRANSP:TRANSPARENT");
        for days in [30, 7, 1] {
            line(&mut out, "BEGIN:VALARM");
            line(&mut out, "ACTION:DISPLAY");
            line(
                &mut out,
                &format!(
                    "DESCRIPTION:{}",
                    text(&format!(
                        "PI hardship application for PY {} due in {days} day(s)",
                        e.year
                    ))
                ),
            );
            line(&mut out, &format!("TRIGGER:-P{days}D"));
            line(&mut out, "END:VALARM");
        }
        line(&mut out, "END:VEVENT");
    }
    for r in reviews {
        review_event(&mut out, tenant_id, r, now);
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn review_event(out: &mut String, tenant_id: &str, r: &ReviewWindowEvent, now: DateTime<Utc>) {
    line(out, "BEGIN:VEVENT");
    line(
        out,
        &format!("UID:targeted-review-window-{}-{tenant_id}@hardship", r.year),
    );
    line(out, &format!("DTSTAMP:{}", stamp(now)));
    line(out, &format!("DTSTART:{}", stamp(r.closes)));
    line(out, &format!("DTEND:{}", stamp(r.closes)));
    let unconfirmed = if r.unconfirmed { " (UNCONFIRMED)" } else { "" };
    line(
        out,
        &format!(
            "SUMMARY:{}",
            text(&format!(
                "Targeted review window closes, PY {}{unconfirmed}",
                r.year
            ))
        ),
    );
    let mut desc = format!(
        "CMS's targeted-review window for performance year {} closes at this time; CMS's decision on a request is final. Sources: {}.\n{} draft case(s) not yet sent:",
        r.year,
        r.sources.join(", "),
        r.cases.len()
    );
    for c in r.cases.iter().take(100) {
        let _ = write!(desc, "\n- {c}");
    }
    line(out, &format!("DESCRIPTION:{}", text(&desc)));
    line(out, "TRANSP:TRANSPARENT");
    for days in [30, 7, 1] {
        line(out, "BEGIN:VALARM");
        line(out, "ACTION:DISPLAY");
        line(
            out,
            &format!(
                "DESCRIPTION:{}",
                text(&format!(
                    "Targeted review for PY {} closes in {days} day(s)",
                    r.year
                ))
            ),
        );
        line(out, &format!("TRIGGER:-P{days}D"));
        line(out, "END:VALARM");
    }
    line(out, "END:VEVENT");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_feed_with_one_deadline_is_valid_icalendar() {
        let closes = Utc.with_ymd_and_hms(2027, 1, 1, 1, 0, 0).unwrap();
        let e = DeadlineEvent {
            year: 2026,
            closes,
            unconfirmed: true,
            sources: vec!["MEDISYS-2026".into()],
            practices_to_file: vec![("Smith, Jones; Partners".into(), "123456789".into())],
        };
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let cal = calendar("t-1", "Acme", &[e], now);
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
        assert!(cal.contains("DTSTART:20270101T010000Z\r\n"));
        assert!(cal.contains("DTSTAMP:20261201T090000Z\r\n"));
        assert_eq!(cal.matches("BEGIN:VALARM").count(), 3);
        // No bare LF; no line longer than 75 octets.
        for l in cal.split("\r\n") {
            assert!(l.len() <= 75, "{l:?}");
            assert!(!l.contains('\n'));
        }
        // Unfolding gives back the text, commas and semicolons escaped.
        let unfolded = cal.replace("\r\n ", "");
        assert!(unfolded.contains("(deadline hour UNCONFIRMED)"));
        assert!(unfolded.contains("Smith\\, Jones\\; Partners"));
        assert!(unfolded.contains("1 practice(s) still need an application:\\n- Smith"));
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        line(&mut out, &"é".repeat(100));
        for l in out.split("\r\n") {
            assert!(l.len() <= 75);
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), "é".repeat(100));
    }
}
