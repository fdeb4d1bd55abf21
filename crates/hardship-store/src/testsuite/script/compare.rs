//! Two backends' audit logs of the script compared event by event, field by field.

use crate::audit::AuditEvent;

/// Where two backends' logs of the script differ, event by event, field by field (empty when equal).
pub fn differences(left: &[AuditEvent], right: &[AuditEvent]) -> Vec<String> {
    let mut out = Vec::new();
    if left.len() != right.len() {
        out.push(format!("{} events against {}", left.len(), right.len()));
    }
    for (l, r) in left.iter().zip(right) {
        let fields = [
            ("at", l.at.to_rfc3339(), r.at.to_rfc3339()),
            (
                "actor_user",
                format!("{:?}", l.actor_user),
                format!("{:?}", r.actor_user),
            ),
            ("actor_label", l.actor_label.clone(), r.actor_label.clone()),
            ("action", l.action.clone(), r.action.clone()),
            ("entity", l.entity.clone(), r.entity.clone()),
            ("entity_id", l.entity_id.clone(), r.entity_id.clone()),
            (
                "before",
                format!("{:?}", l.before),
                format!("{:?}", r.before),
            ),
            ("after", format!("{:?}", l.after), format!("{:?}", r.after)),
            ("hash", crate::hex(&l.hash), crate::hex(&r.hash)),
        ];
        for (name, a, b) in fields {
            if a != b {
                out.push(format!("event {} ({}): {name}: {a} ≠ {b}", l.seq, l.action));
            }
        }
    }
    out
}
