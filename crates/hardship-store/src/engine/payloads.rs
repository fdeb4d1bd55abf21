//! The audit record of every action, built in one place: whichever backend stores it, the same action
//! writes the same payload, byte for byte (the behaviour suite compares them across backends). Payloads
//! are JSON objects with typed values; `integrity` reads `sha256`, `size` and `state` from them.

use crate::audit::{Change, actions};
use crate::model::*;
use serde_json::{Value, json};

fn change(
    action: &str,
    entity: &'static str,
    entity_id: impl ToString,
    before: Option<Value>,
    after: Option<Value>,
) -> Change {
    Change {
        action: action.to_owned(),
        entity,
        entity_id: entity_id.to_string(),
        before: before.map(|v| v.to_string()),
        after: after.map(|v| v.to_string()),
    }
}

pub fn organization_created(o: &Organization) -> Change {
    change(
        actions::ORGANIZATION_CREATE,
        "organization",
        o.id,
        None,
        Some(json!({ "name": o.name, "kind": o.kind.code() })),
    )
}

pub fn membership_set(m: &Membership, previous: Option<Role>) -> Change {
    change(
        actions::MEMBERSHIP_SET,
        "membership",
        m.user,
        previous.map(|r| json!({ "role": r.code() })),
        Some(json!({ "role": m.role.code() })),
    )
}

fn practice_json(p: &Practice) -> Value {
    json!({
        "tin": p.tin.as_str(),
        "name": p.name,
        "address": p.address,
        "zip": p.zip.map(|z| z.to_string()),
        "contact": { "name": p.contact.name, "email": p.contact.email, "phone": p.contact.phone },
    })
}

pub fn practice_created(p: &Practice) -> Change {
    change(
        actions::PRACTICE_CREATE,
        "practice",
        p.id,
        None,
        Some(practice_json(p)),
    )
}

pub fn practice_updated(before: &Practice, after: &Practice) -> Change {
    change(
        actions::PRACTICE_UPDATE,
        "practice",
        after.id,
        Some(practice_json(before)),
        Some(practice_json(after)),
    )
}

pub fn clinician_added(c: &Clinician) -> Change {
    change(
        actions::CLINICIAN_ADD,
        "clinician",
        c.id,
        None,
        Some(json!({
            "practice": c.practice.to_string(),
            "npi": c.npi.as_str(),
            "name": c.name,
            "clinician_type": c.clinician_type.code(),
        })),
    )
}

/// Archiving (with why) or restoring a record: the action says which.
fn archived(action: &str, entity: &'static str, id: impl ToString, a: Option<&Archive>) -> Change {
    change(
        action,
        entity,
        id,
        None,
        Some(json!({ "why": a.map_or("", |a| a.why.as_str()) })),
    )
}

pub fn practice_archived(p: &Practice) -> Change {
    match &p.archived {
        Some(a) => archived(actions::PRACTICE_ARCHIVE, "practice", p.id, Some(a)),
        None => archived(actions::PRACTICE_RESTORE, "practice", p.id, None),
    }
}

pub fn clinician_archived(c: &Clinician) -> Change {
    match &c.archived {
        Some(a) => archived(actions::CLINICIAN_ARCHIVE, "clinician", c.id, Some(a)),
        None => archived(actions::CLINICIAN_RESTORE, "clinician", c.id, None),
    }
}

pub fn clinician_updated(before: &Clinician, after: &Clinician) -> Change {
    let v = |c: &Clinician| {
        json!({
            "npi": c.npi.as_str(),
            "name": c.name,
            "clinician_type": c.clinician_type.code(),
            "joined_on": c.joined_on.map(|d| d.to_string()),
            "left_on": c.left_on.map(|d| d.to_string()),
        })
    };
    change(
        actions::CLINICIAN_UPDATE,
        "clinician",
        after.id,
        Some(v(before)),
        Some(v(after)),
    )
}

pub fn practice_year_set(before: Option<&PracticeYear>, after: &PracticeYear) -> Change {
    let v = |y: &PracticeYear| json!({ "year": y.year.get(), "profile": y.profile, "version": y.version });
    change(
        actions::PRACTICE_YEAR_SET,
        "practice",
        after.practice,
        before.map(v),
        Some(v(after)),
    )
}

pub fn application_created(a: &Application) -> Change {
    change(
        actions::APPLICATION_CREATE,
        "application",
        a.id,
        None,
        Some(json!({
            "practice": a.draft.practice.to_string(),
            "year": a.draft.year.get(),
            "reason": a.draft.reason.code(),
            "draft": a.draft,
            "state": a.state.name(),
            "version": a.version,
        })),
    )
}

pub fn application_edited(before: &Application, after: &Application) -> Change {
    let v = |a: &Application| json!({ "draft": a.draft, "state": a.state.name(), "version": a.version });
    change(
        actions::APPLICATION_EDIT,
        "application",
        after.id,
        Some(v(before)),
        Some(v(after)),
    )
}

/// A state change: `after` is the new state itself (its `state` tag names it) with the version.
pub fn application_transitioned(action: &str, before: &Application, after: &Application) -> Change {
    let state = |a: &Application| {
        let mut v = serde_json::to_value(&a.state).unwrap_or_else(|_| json!({}));
        if let Value::Object(m) = &mut v {
            m.insert("version".into(), json!(a.version));
        }
        v
    };
    change(
        action,
        "application",
        after.id,
        Some(json!({ "state": before.state.name(), "version": before.version })),
        Some(state(after)),
    )
}

pub fn decision_recorded(d: &StoredDecision) -> Change {
    change(
        actions::DECISION_RECORD,
        "decision",
        d.id,
        None,
        Some(json!({
            "practice": d.practice.to_string(),
            "clinician": d.clinician.map(|c| c.to_string()),
            "year": d.year.get(),
            "reweighted": d.reweighted,
            "basis": d.basis,
            "rule_set_version": d.rule_set_version,
        })),
    )
}

pub fn document_uploaded(d: &Document) -> Change {
    change(
        actions::DOCUMENT_UPLOAD,
        "document",
        d.id,
        None,
        Some(json!({
            "practice": d.practice.to_string(),
            "application": d.application.map(|a| a.to_string()),
            "kind": d.kind,
            "filename": d.filename,
            "content_type": d.content_type,
            "size": d.size,
            "sha256": crate::hex(&d.sha256),
            "retain_until": d.retain_until.to_string(),
        })),
    )
}

pub fn document_edited(before: &Document, after: &Document) -> Change {
    let v = |d: &Document| {
        json!({
            "kind": d.kind,
            "note": d.note,
            "superseded_by": d.superseded_by.map(|x| x.to_string()),
        })
    };
    change(
        actions::DOCUMENT_EDIT,
        "document",
        after.id,
        Some(v(before)),
        Some(v(after)),
    )
}

/// An observation: who read a document's bytes, and how.
pub fn document_read(id: DocumentId, how: &str) -> Change {
    change(
        actions::DOCUMENT_READ,
        "document",
        id,
        None,
        Some(json!({ "how": how })),
    )
}

/// An observation: an export made (`what`: packet, binder, portfolio, audit), of which record.
pub fn exported(what: &str, entity: &'static str, id: impl ToString, detail: Value) -> Change {
    change(
        actions::EXPORT,
        entity,
        id,
        None,
        Some(json!({ "what": what, "detail": detail })),
    )
}

/// An observation: a submission file checked before it was sent, and the guard's verdict.
pub fn guard_checked(practice: PracticeId, year: u16, blocked: bool, file: &str) -> Change {
    change(
        actions::GUARD_CHECK,
        "practice",
        practice,
        None,
        Some(json!({ "year": year, "blocked": blocked, "file": file })),
    )
}

/// An observation: a fetch from CMS's QPP Eligibility API ran (`detail`: the scope, the NPIs, the origin
/// and what came back, as the use case summarises it).
pub fn eligibility_fetched(entity: &'static str, id: impl ToString, detail: Value) -> Change {
    change(actions::ELIGIBILITY_FETCH, entity, id, None, Some(detail))
}

/// CMS's answer for an NPI of a practice, replacing the one recorded before (its time and outcome).
pub fn eligibility_answer(before: Option<&CmsAnswer>, after: &CmsAnswer) -> Change {
    let describe = |a: &CmsAnswer| {
        let (outcome, detail) = match &a.outcome {
            CmsOutcome::Found {
                organization,
                statuses,
                ..
            } => (
                "found",
                json!({ "organization": organization, "statuses": statuses.len() }),
            ),
            CmsOutcome::NotFound {
                http_status,
                error,
                message,
            } => (
                "not_found",
                json!({ "http_status": http_status, "error": error, "message": message }),
            ),
        };
        json!({
            "npi": a.npi.as_str(),
            "year": a.year.get(),
            "url": a.url,
            "api_version": a.api_version,
            "retrieved_at": a.retrieved_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "outcome": outcome,
            "detail": detail,
        })
    };
    change(
        actions::ELIGIBILITY_ANSWER,
        "practice",
        after.practice,
        before.map(describe),
        Some(describe(after)),
    )
}

pub fn document_delete_refused(id: DocumentId, reason: &str) -> Change {
    change(
        actions::DOCUMENT_DELETE_REFUSED,
        "document",
        id,
        None,
        Some(json!({ "reason": reason })),
    )
}

pub fn api_token_created(t: &ApiToken) -> Change {
    change(
        actions::API_TOKEN_CREATE,
        "api_token",
        t.id,
        None,
        Some(json!({ "name": t.name, "role": t.role.code(), "scope": t.scope.code() })),
    )
}

pub fn api_token_revoked(id: uuid::Uuid) -> Change {
    change(
        actions::API_TOKEN_REVOKE,
        "api_token",
        id,
        Some(json!({ "revoked": false })),
        Some(json!({ "revoked": true })),
    )
}

/// Adds a client's practices to a payload (other roles have none, and their payloads stay as they were).
fn with_practices(mut v: Value, practices: &[PracticeId]) -> Value {
    if let (Value::Object(m), false) = (&mut v, practices.is_empty()) {
        let list: Vec<String> = practices.iter().map(ToString::to_string).collect();
        m.insert("practices".into(), json!(list));
    }
    v
}

pub fn invite_created(i: &Invite) -> Change {
    change(
        actions::INVITE_CREATE,
        "invite",
        i.id,
        None,
        Some(with_practices(
            json!({
                "email": i.email,
                "role": i.role.code(),
                "expires_at": i.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }),
            &i.practices,
        )),
    )
}

pub fn invite_accepted(i: &Invite, user: &User, previous: Option<Role>) -> Change {
    change(
        actions::INVITE_ACCEPT,
        "membership",
        user.id,
        previous.map(|r| json!({ "role": r.code() })),
        Some(with_practices(
            json!({ "invite": i.id.to_string(), "email": user.email, "role": i.role.code() }),
            &i.practices,
        )),
    )
}

/// A member's role changed (or the member removed) by an owner, with what it ended at once.
pub fn member_changed(
    user: UserId,
    before: (Role, &[PracticeId]),
    after: Option<(Role, &[PracticeId])>,
    sessions_ended: u64,
    tokens_revoked: &[uuid::Uuid],
) -> Change {
    let ended = |v: Value| {
        let mut v = v;
        if let Value::Object(m) = &mut v {
            m.insert("sessions_ended".into(), json!(sessions_ended));
            let ids: Vec<String> = tokens_revoked.iter().map(ToString::to_string).collect();
            m.insert("tokens_revoked".into(), json!(ids));
        }
        v
    };
    let (action, after) = match after {
        Some((role, practices)) => (
            actions::MEMBERSHIP_CHANGE,
            with_practices(json!({ "role": role.code() }), practices),
        ),
        None => (actions::MEMBERSHIP_REMOVE, json!({ "removed": true })),
    };
    change(
        action,
        "membership",
        user,
        Some(with_practices(json!({ "role": before.0.code() }), before.1)),
        Some(ended(after)),
    )
}

/// A signature of an application's packet. It names the application's state (unchanged), so the
/// records-against-the-log check reads the state its last event left.
pub fn application_attested(a: &crate::Attestation, state: &ApplicationState) -> Change {
    change(
        actions::APPLICATION_ATTEST,
        "application",
        a.application,
        None,
        Some(json!({
            "attestation": a.id.to_string(),
            "typed_name": a.typed_name,
            "account": a.email,
            "role": a.role.code(),
            "signed_on": a.signed_on.to_string(),
            "packet_sha256": hex::encode(a.packet_sha256),
            "version": a.application_version,
            "state": state.name(),
        })),
    )
}

/// An observation, not a change: a stored document no longer matches what was uploaded.
pub fn document_integrity_failed(id: DocumentId, problem: &str) -> Change {
    change(
        actions::DOCUMENT_INTEGRITY_FAILED,
        "document",
        id,
        None,
        Some(json!({ "problem": problem })),
    )
}

/// A password set through a reset link: the account, and that its sessions ended.
pub fn password_reset(u: &User) -> Change {
    change(
        actions::USER_PASSWORD_RESET,
        "user",
        u.id,
        None,
        Some(json!({ "email": u.email, "sessions_ended": true })),
    )
}

pub fn targeted_review_opened(r: &crate::review::TargetedReview) -> Change {
    change(
        actions::TARGETED_REVIEW_OPEN,
        "targeted_review",
        r.id,
        None,
        Some(json!({
            "practice": r.practice.to_string(),
            "year": r.year.get(),
            "tin": r.tin.as_str(),
            "npi": r.npi.map(|n| n.as_str().to_owned()),
            "state": r.state.name(),
            "codes": r.codes,
            "evidence": r.evidence,
            "origin": r.detail.origin.name(),
            "reasons": r.detail.reasons,
        })),
    )
}

fn review_json(r: &crate::review::TargetedReview) -> Value {
    let d = &r.detail;
    json!({
        "practice": r.practice.to_string(),
        "year": r.year.get(),
        "state": r.state.name(),
        "version": r.version,
        "reasons": d.reasons,
        "statement": d.statement,
        "evidence": r.evidence,
        "submitted_on": d.submitted_on.map(|x| x.to_string()),
        "cms_reference": d.cms_reference,
        "submit_warning": d.submit_warning,
        "decided_on": d.decided_on.map(|x| x.to_string()),
        "outcome": d.outcome.map(|o| o.name()),
        "decision_note": d.decision_note,
    })
}

/// An edit, submission or decision of a case: the case before and after.
pub fn targeted_review_changed(
    action: &str,
    before: &crate::review::TargetedReview,
    after: &crate::review::TargetedReview,
) -> Change {
    change(
        action,
        "targeted_review",
        after.id,
        Some(review_json(before)),
        Some(review_json(after)),
    )
}

pub fn dva_opened(d: &crate::dva::DvaRequest) -> Change {
    change(
        actions::DVA_OPEN,
        "dva_request",
        d.id,
        None,
        Some(json!({
            "practice": d.practice.to_string(),
            "year": d.year.get(),
            "notice_date": d.notice_date.to_string(),
            "due": d.due().to_string(),
        })),
    )
}

/// A checklist item added or checked: the item as it now reads.
pub fn dva_changed(c: &crate::dva::DvaChange, after: &crate::dva::DvaRequest) -> Change {
    let n = match c {
        crate::dva::DvaChange::AddItem { .. } => after.items.last().map_or(0, |i| i.n),
        crate::dva::DvaChange::CheckItem { n, .. } => *n,
    };
    let item = after.items.iter().find(|i| i.n == n);
    change(
        c.action(),
        "dva_request",
        after.id,
        None,
        Some(json!({
            "practice": after.practice.to_string(),
            "year": after.year.get(),
            "version": after.version,
            "item": n,
            "text": item.map(|i| i.text.as_str()),
            "done": item.is_some_and(|i| i.done),
        })),
    )
}
