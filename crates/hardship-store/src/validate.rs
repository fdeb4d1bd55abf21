//! The input rules every backend applies before writing (e-mail addresses, text and names, practice
//! fields, document records and kinds), the role checks that refuse a change before anything is written,
//! and the hex helpers for hashes.

use crate::error::{StoreError, StoreResult};
use crate::model::{Actor, Contact, NewDocument, Role};

/// Checks an email address the way every backend stores it: trimmed, one `@`, no spaces, at most 254 bytes.
pub fn normalize_email(email: &str) -> StoreResult<String> {
    check_email("email", email)
}

/// The one e-mail rule, for every field that holds an address (accounts, invitations, practice contacts,
/// application submitters): trimmed, one `@` with text on both sides, no spaces, control characters or
/// bidirectional overrides, at most 254 bytes. Returns the trimmed address.
pub fn check_email(field: &'static str, email: &str) -> StoreResult<String> {
    let e = email.trim();
    let at = e.find('@');
    let ok = at.is_some_and(|i| i > 0 && i + 1 < e.len())
        && e.matches('@').count() == 1
        && !e.contains(char::is_whitespace)
        && !e.chars().any(|c| c.is_control() || is_bidi_control(c))
        && e.len() <= 254;
    if ok {
        Ok(e.to_owned())
    } else {
        Err(StoreError::invalid(
            field,
            format!("{e:?} is not an email address"),
        ))
    }
}

/// The Unicode bidirectional embedding, override and isolate controls: they reorder what is shown
/// ("Trojan Source"), so a name could display as something other than what it is.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses text too long for its field, or holding control characters (newlines and tabs are allowed)
/// or bidirectional overrides.
pub fn check_text(field: &'static str, value: &str, max: usize) -> StoreResult<()> {
    if value.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("longer than {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(StoreError::invalid(field, "contains control characters"));
    }
    if let Some(c) = value.chars().find(|&c| is_bidi_control(c)) {
        return Err(StoreError::invalid(
            field,
            format!(
                "contains the bidirectional control U+{:04X}, which would change how the text is shown",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// A required name: not blank, at most `max` characters, no control characters. `what` says whose.
pub fn check_name(what: &str, name: &str, max: usize) -> StoreResult<()> {
    if name.trim().is_empty() {
        return Err(StoreError::invalid("name", format!("{what} needs a name")));
    }
    check_text("name", name, max)
}

/// A practice's editable fields, as every backend checks them before writing.
pub fn check_practice_fields(name: &str, address: &str, contact: &Contact) -> StoreResult<()> {
    check_name("a practice", name, 500)?;
    for (f, v) in [
        ("address", address),
        ("contact.name", &contact.name),
        ("contact.email", &contact.email),
        ("contact.phone", &contact.phone),
    ] {
        check_text(f, v, 500)?;
    }
    if !contact.email.trim().is_empty() {
        check_email("contact.email", &contact.email)?;
    }
    Ok(())
}

/// A clinician's name, as every backend checks it before writing: not blank, at most 200 characters.
pub fn check_clinician_name(npi: Option<hardship_rules::Npi>, name: &str) -> StoreResult<()> {
    if name.trim().is_empty() {
        return Err(StoreError::invalid(
            "name",
            match npi {
                Some(n) => format!("the clinician with NPI {n} needs a name"),
                None => "a clinician needs a name".to_owned(),
            },
        ));
    }
    check_text("name", name, 200)
}

/// Refuses a change of the organization's records by anyone but owners and staff, before anything is
/// written.
pub fn ensure_can_write(actor: &Actor) -> StoreResult<()> {
    if actor.role.can_write() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(match actor.role {
            Role::Client => format!(
                "{} is a client: it uploads evidence, answers its applications and signs them, and changes nothing else",
                actor.label
            ),
            _ => format!("{} is an auditor and cannot change anything", actor.label),
        }))
    }
}

/// Refuses a contribution to a practice's file (evidence, application drafts, signatures) by a
/// read-only member.
pub fn ensure_can_contribute(actor: &Actor) -> StoreResult<()> {
    if actor.role.can_contribute() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "{} is an auditor and cannot change anything",
            actor.label
        )))
    }
}

/// Refuses what only an owner may do (managing members).
pub fn ensure_owner(actor: &Actor) -> StoreResult<()> {
    if actor.role == Role::Owner {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "only an owner can manage the organization's members ({} is {})",
            actor.label,
            actor.role.with_article()
        )))
    }
}

/// Checks a document record before any backend writes it: a plain file name (no path, no traversal,
/// no control characters) of reasonable length, and a kind.
pub fn validate_new_document(d: &NewDocument) -> StoreResult<()> {
    let name = d.filename.as_str();
    if name.trim().is_empty()
        || name.contains(['/', '\\'])
        || name.contains("..")
        || name.chars().count() > 255
    {
        return Err(StoreError::invalid(
            "filename",
            format!("{name:?} is not a plain file name"),
        ));
    }
    if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        // A right-to-left override (U+202E) before "fdp.exe" shows it as "exe.pdf".
        return Err(StoreError::invalid(
            "filename",
            "contains control or bidirectional-override characters",
        ));
    }
    check_document_kind(&d.kind)
}

/// The kinds of evidence, with what each is in words. A kind outside the list is refused: the checklist
/// looks for these codes, so a misspelt one (`cms_email`) would be stored and then reported missing.
pub const DOCUMENT_KINDS: &[(&str, &str)] = &[
    (
        "barrier_documentation",
        "small-practice overwhelming-barrier documentation",
    ),
    ("cms_decision_email", "CMS approval or denial e-mail"),
    (
        "submission_confirmation",
        "portal confirmation or call record",
    ),
    ("decertification_notice", "ONC decertification notice"),
    ("outage_record", "internet or EHR outage record"),
    (
        "event_evidence",
        "extreme and uncontrollable circumstance evidence",
    ),
    (
        "eligibility_screenshot",
        "QPP participation status screenshot",
    ),
    ("other", "other evidence"),
];

/// Refuses a kind of evidence that is not one of [`DOCUMENT_KINDS`], naming the known ones.
pub fn check_document_kind(kind: &str) -> StoreResult<()> {
    if DOCUMENT_KINDS.iter().any(|(k, _)| *k == kind.trim()) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "kind",
            format!(
                "{kind:?} is not a kind of evidence; one of: {}",
                DOCUMENT_KINDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

/// Lower-case hex of bytes (hashes in records and the audit log).
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// A SHA-256 from its 64 hex digits (either case).
pub fn unhex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}
