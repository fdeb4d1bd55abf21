//! What each id in the audit log is called: practices, clinicians, applications, documents, people and
//! API tokens, with the practice each belongs to (so a practice's filter finds its clinicians' events).

use hardship_store::{
    ApiToken, Application, Clinician, Document, Membership, Practice, PracticeId, User,
};
use std::collections::HashMap;

/// A record's name, and the practice it belongs to.
#[derive(Clone, Debug)]
pub struct Named {
    pub name: String,
    pub practice: Option<PracticeId>,
}

/// Every record's name by id (ids are UUIDs, unique across kinds).
#[derive(Clone, Debug, Default)]
pub struct Names {
    by_id: HashMap<String, Named>,
}

/// What the names are built from: the tenant's records, archived ones included.
pub struct Records<'a> {
    pub organization: (&'a str, &'a str),
    pub practices: &'a [Practice],
    pub clinicians: &'a [Clinician],
    pub applications: &'a [Application],
    pub documents: &'a [Document],
    pub members: &'a [(Membership, User)],
    pub tokens: &'a [ApiToken],
}

impl Names {
    pub fn new(r: Records<'_>) -> Names {
        let mut n = Names::default();
        n.put(r.organization.0, r.organization.1.to_owned(), None);
        for p in r.practices {
            n.put(p.id, format!("{} (TIN {})", p.name, p.tin), Some(p.id));
        }
        for c in r.clinicians {
            n.put(
                c.id,
                format!("{} (NPI {})", c.name, c.npi),
                Some(c.practice),
            );
        }
        for a in r.applications {
            n.put(
                a.id,
                format!(
                    "{} application for {}",
                    a.draft.reason.label(),
                    a.draft.year
                ),
                Some(a.draft.practice),
            );
        }
        for d in r.documents {
            n.put(d.id, format!("the file {}", d.filename), Some(d.practice));
        }
        for (m, u) in r.members {
            n.put(m.user, u.email.clone(), None);
        }
        for t in r.tokens {
            n.put(t.id, format!("API token {}", t.name), None);
        }
        n
    }

    fn put(&mut self, id: impl ToString, name: String, practice: Option<PracticeId>) {
        self.by_id.insert(id.to_string(), Named { name, practice });
    }

    /// The record's name, or its id when the record is not known (an id from another system).
    pub fn name(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .map_or_else(|| format!("record {id}"), |n| n.name.clone())
    }

    /// The practice a record belongs to.
    pub fn practice_of(&self, id: &str) -> Option<PracticeId> {
        self.by_id.get(id).and_then(|n| n.practice)
    }

    /// A practice's name with its TIN.
    pub fn practice_name(&self, id: PracticeId) -> String {
        self.name(&id.to_string())
    }
}
