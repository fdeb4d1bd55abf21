//! Bringing a cached portfolio up to a newer tenant revision without recomputing every practice.
//!
//! The cache key stays the tenant's revision (the sequence number of its last audit event), so an answer
//! is never stale on any instance. What is finer is the work after a change: the events between the
//! cached revision and the current one say which practices they touched; only those rows are loaded and
//! assessed again, and the tiles are summed anew from the rows. Events that change no portfolio data
//! (observations such as downloads and exports, members, tokens, invitations) recompute nothing. Anything
//! this module cannot attribute to a practice — an unknown kind of event, a record that cannot be found,
//! too many events at once — falls back to the full recomputation, which is always right.

use crate::error::AppError;
use crate::portfolio::{DashboardRow, Portfolio, YearRecords, totals};
use hardship_rules::PerformanceYear;
use hardship_store::audit::actions;
use hardship_store::*;
use std::collections::BTreeSet;

/// At most this many events are read to bring a portfolio up to date; more means a full reload.
pub(crate) const MAX_EVENTS: u32 = 200;
/// At most this many practices are reloaded one by one; more means a full reload.
const MAX_PRACTICES: usize = 40;

/// What one event changes in a portfolio.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Touches {
    Nothing,
    Practice(PracticeId),
    /// A record whose practice must be looked up.
    Lookup(&'static str, String),
    /// Something the rows cannot be patched for (the organization itself, an unknown kind of event).
    Everything,
}

/// The practice an event's payload names, if it names one.
fn practice_in(payload: Option<&str>) -> Option<PracticeId> {
    let v: serde_json::Value = serde_json::from_str(payload?).ok()?;
    let text = v.get("practice")?.as_str()?;
    text.parse::<uuid::Uuid>().ok().map(PracticeId)
}

/// What `e` changes in the portfolio rows (pure).
pub(crate) fn touches(e: &AuditEvent) -> Touches {
    if actions::OBSERVATIONS.contains(&e.action.as_str()) {
        return Touches::Nothing;
    }
    match e.entity.as_str() {
        "membership" | "api_token" | "invite" | "user" => Touches::Nothing,
        "practice" => e
            .entity_id
            .parse::<uuid::Uuid>()
            .map_or(Touches::Everything, |u| Touches::Practice(PracticeId(u))),
        "clinician" | "application" | "document" | "decision" => {
            match practice_in(e.after.as_deref()).or_else(|| practice_in(e.before.as_deref())) {
                Some(p) => Touches::Practice(p),
                None if e.entity == "decision" => Touches::Everything,
                None => Touches::Lookup(
                    match e.entity.as_str() {
                        "clinician" => "clinician",
                        "application" => "application",
                        _ => "document",
                    },
                    e.entity_id.clone(),
                ),
            }
        }
        _ => Touches::Everything,
    }
}

/// The practice of a record an event names, looked up in the store.
async fn look_up(
    s: &dyn Store,
    tenant: TenantId,
    kind: &str,
    id: &str,
) -> Result<Option<PracticeId>, AppError> {
    let Ok(uuid) = id.parse::<uuid::Uuid>() else {
        return Ok(None);
    };
    let found = match kind {
        "clinician" => s
            .get_clinician(tenant, ClinicianId(uuid))
            .await
            .map(|c| c.practice),
        "application" => s
            .get_application(tenant, ApplicationId(uuid))
            .await
            .map(|a| a.draft.practice),
        _ => s
            .get_document(tenant, DocumentId(uuid))
            .await
            .map(|d| d.practice),
    };
    match found {
        Ok(p) => Ok(Some(p)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `old` (valid at revision `from`) brought to revision `to`, or `None` when only a full reload will do.
pub(crate) async fn refresh(
    s: &dyn Store,
    tenant: TenantId,
    year: PerformanceYear,
    window_closed: bool,
    old: &Portfolio,
    from: i64,
    to: i64,
) -> Result<Option<Portfolio>, AppError> {
    let events = s.audit_events_after(tenant, from, MAX_EVENTS + 1).await?;
    // Every event up to `to` must be in hand (a longer gap, or a gap in the sequence, means reload).
    let upto: Vec<&AuditEvent> = events.iter().filter(|e| e.seq <= to).collect();
    if events.len() > MAX_EVENTS as usize || upto.last().map_or(from, |e| e.seq) != to {
        return Ok(None);
    }
    let mut changed = BTreeSet::new();
    for e in upto {
        match touches(e) {
            Touches::Nothing => {}
            Touches::Practice(p) => {
                changed.insert(p);
            }
            Touches::Lookup(kind, id) => match look_up(s, tenant, kind, &id).await? {
                Some(p) => {
                    changed.insert(p);
                }
                None => return Ok(None),
            },
            Touches::Everything => return Ok(None),
        }
        if changed.len() > MAX_PRACTICES {
            return Ok(None);
        }
    }
    let ids: Vec<PracticeId> = changed.into_iter().collect();
    let fresh = YearRecords::of_practices(s, tenant, year, &ids)
        .await?
        .rows(year, window_closed)?;
    Ok(Some(patched(old, &ids, fresh)))
}

/// `old` with the rows of `ids` replaced by `fresh` (a practice without a fresh row was archived or is
/// gone), in the order a full load gives: by name, then id.
pub(crate) fn patched(old: &Portfolio, ids: &[PracticeId], fresh: Vec<DashboardRow>) -> Portfolio {
    let mut rows: Vec<DashboardRow> = old
        .rows
        .iter()
        .filter(|r| !ids.contains(&r.practice))
        .cloned()
        .chain(fresh)
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.practice.0.cmp(&b.practice.0)));
    Portfolio {
        year: old.year,
        organization: old.organization.clone(),
        totals: totals(&rows),
        rows,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn event(action: &str, entity: &str, id: &str, after: Option<&str>) -> AuditEvent {
        AuditEvent {
            tenant: TenantId(uuid::Uuid::from_u128(1)),
            seq: 1,
            at: chrono::Utc::now(),
            actor_user: None,
            actor_label: "x".into(),
            action: action.into(),
            entity: entity.into(),
            entity_id: id.into(),
            before: None,
            after: after.map(str::to_owned),
            prev_hash: [0; 32],
            hash: [0; 32],
        }
    }

    #[test]
    fn each_kind_of_event_touches_what_it_changes() {
        let p = uuid::Uuid::from_u128(7);
        let c = uuid::Uuid::from_u128(8).to_string();
        let payload = format!(r#"{{"practice":"{p}","npi":"1234567893"}}"#);
        assert_eq!(
            touches(&event("practice.update", "practice", &p.to_string(), None)),
            Touches::Practice(PracticeId(p))
        );
        assert_eq!(
            touches(&event("clinician.add", "clinician", &c, Some(&payload))),
            Touches::Practice(PracticeId(p))
        );
        assert_eq!(
            touches(&event(
                "clinician.status",
                "clinician",
                &c,
                Some(r#"{"year":2026}"#)
            )),
            Touches::Lookup("clinician", c.clone())
        );
        assert_eq!(
            touches(&event(
                "application.mark_ready",
                "application",
                &c,
                Some("{}")
            )),
            Touches::Lookup("application", c.clone())
        );
        // Reading evidence, exporting, members and tokens change no row.
        for (action, entity) in [
            ("document.read", "document"),
            ("export", "application"),
            ("guard.check", "practice"),
            ("membership.set", "membership"),
            ("api_token.create", "api_token"),
        ] {
            assert_eq!(
                touches(&event(action, entity, &c, None)),
                Touches::Nothing,
                "{action}"
            );
        }
        // The organization, or anything unknown, needs the full reload.
        assert_eq!(
            touches(&event("organization.create", "organization", &c, None)),
            Touches::Everything
        );
        assert_eq!(
            touches(&event("targeted_review.open", "targeted_review", &c, None)),
            Touches::Everything
        );
    }
}
