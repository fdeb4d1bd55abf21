//! The work queue of a portfolio: one status and one short next step per practice-year, filters (by status,
//! missing evidence, assignee), search by name or TIN, sorting and pages. Pure: it selects from the
//! portfolio's rows, which the cache already holds, so a 1,000-practice queue costs no query.

use crate::portfolio::DashboardRow;
use serde::Serialize;

/// Where a practice-year stands, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Clinicians not reweighted and no application under way.
    NeedsApplication,
    Draft,
    Ready,
    Submitted,
    Denied,
    Approved,
    /// The practice will report PI instead of applying.
    NotApplying,
    /// Everyone is reweighted automatically or covered.
    NothingToDo,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::NeedsApplication,
        Status::Draft,
        Status::Ready,
        Status::Submitted,
        Status::Denied,
        Status::Approved,
        Status::NotApplying,
        Status::NothingToDo,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::NeedsApplication => "needs_application",
            Status::Draft => "draft",
            Status::Ready => "ready",
            Status::Submitted => "submitted",
            Status::Denied => "denied",
            Status::Approved => "approved",
            Status::NotApplying => "not_applying",
            Status::NothingToDo => "nothing_to_do",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::NeedsApplication => "needs an application",
            Status::Draft => "draft",
            Status::Ready => "ready to send",
            Status::Submitted => "sent, awaiting CMS",
            Status::Denied => "denied",
            Status::Approved => "approved",
            Status::NotApplying => "not applying: will report PI",
            Status::NothingToDo => "nothing to do",
        }
    }

    fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The row's status: the decision not to apply first, then clinicians left uncovered with nothing
    /// under way, then the furthest-behind application.
    pub fn of(row: &DashboardRow, not_applying: bool) -> Status {
        let a = &row.applications;
        let under_way = a.draft + a.ready + a.submitted;
        if not_applying {
            Status::NotApplying
        } else if row.needs_application > 0 && under_way == 0 {
            Status::NeedsApplication
        } else if a.draft > 0 {
            Status::Draft
        } else if a.ready > 0 {
            Status::Ready
        } else if a.submitted > 0 {
            Status::Submitted
        } else if a.denied > 0 && a.approved == 0 {
            Status::Denied
        } else if a.approved > 0 {
            Status::Approved
        } else {
            Status::NothingToDo
        }
    }
}

/// One short line: what to do next.
pub fn next_step(status: Status, row: &DashboardRow) -> String {
    let step = match status {
        Status::NeedsApplication => format!(
            "start an application ({} clinician{})",
            row.needs_application,
            if row.needs_application == 1 { "" } else { "s" }
        ),
        Status::Draft => "finish the draft".into(),
        Status::Ready => "send it to CMS".into(),
        Status::Submitted => "await CMS's e-mail".into(),
        Status::Denied => "denied: report PI".into(),
        Status::Approved => "approved: keep the evidence".into(),
        Status::NotApplying => "will report PI".into(),
        Status::NothingToDo => "nothing to do".into(),
    };
    match row.missing.len() {
        0 => step,
        n => format!("{step} · {n} item{} missing", if n == 1 { "" } else { "s" }),
    }
}

/// What the queue shows: a filter, a search, an order and a page.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    /// A status code, `missing_evidence`, `mine` or `unassigned`; empty for all.
    pub filter: String,
    /// Part of a practice's name, or of its TIN (dashes ignored).
    pub search: String,
    /// `todo` (default), `name`, `tin`, `status`, `assignee`, `clinicians`.
    pub sort: String,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

/// The filters a queue offers, with their words.
pub fn filters() -> Vec<(&'static str, &'static str)> {
    let mut f: Vec<(&str, &str)> = Status::ALL.iter().map(|s| (s.code(), s.label())).collect();
    f.push(("missing_evidence", "missing evidence"));
    f.push(("mine", "assigned to me"));
    f.push(("unassigned", "not assigned"));
    f
}

/// The orders a queue offers.
pub const SORTS: [(&str, &str); 6] = [
    ("todo", "most to do first"),
    ("name", "name"),
    ("tin", "TIN"),
    ("status", "status"),
    ("assignee", "assignee"),
    ("clinicians", "most clinicians"),
];

/// A page of the queue.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuePage {
    pub rows: Vec<DashboardRow>,
    /// Rows matching the filter and search, on every page.
    pub matching: usize,
    pub page: usize,
    pub pages: usize,
    pub per_page: usize,
}

/// Why a queue query was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct BadQuery {
    pub field: &'static str,
    pub value: String,
    pub expected: String,
}

impl QueueQuery {
    /// Checks the filter and the order against what the queue offers.
    pub fn check(&self) -> Result<(), BadQuery> {
        let f = self.filter.trim();
        if !f.is_empty() && !filters().iter().any(|(c, _)| *c == f) {
            return Err(BadQuery {
                field: "filter",
                value: f.to_owned(),
                expected: filters()
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let s = self.sort.trim();
        if !s.is_empty() && !SORTS.iter().any(|(c, _)| *c == s) {
            return Err(BadQuery {
                field: "sort",
                value: s.to_owned(),
                expected: SORTS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "),
            });
        }
        Ok(())
    }
}

/// The rows of `query`'s page, for the member `me` (an e-mail, for `mine`).
pub fn select(rows: &[DashboardRow], query: &QueueQuery, me: &str) -> QueuePage {
    let filter = query.filter.trim();
    let needle = query.search.trim().to_lowercase();
    let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
    let tin_search = !digits.is_empty() && needle.chars().all(|c| c.is_ascii_digit() || c == '-');
    let mut picked: Vec<&DashboardRow> = rows
        .iter()
        .filter(|r| match filter {
            "" => true,
            "missing_evidence" => !r.missing.is_empty(),
            "mine" => r
                .assignee
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(me)),
            "unassigned" => r.assignee.is_none(),
            code => r.status == code,
        })
        .filter(|r| {
            needle.is_empty()
                || (tin_search && r.tin.contains(&digits))
                || r.name.to_lowercase().contains(&needle)
        })
        .collect();
    let rank = |r: &DashboardRow| Status::parse(&r.status).unwrap_or(Status::NothingToDo);
    match query.sort.trim() {
        "name" => picked.sort_by_cached_key(|r| r.name.to_lowercase()),
        "tin" => picked.sort_by(|a, b| a.tin.cmp(&b.tin)),
        "status" => picked.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.name.cmp(&b.name))),
        "assignee" => picked.sort_by(|a, b| {
            // Unassigned last.
            (a.assignee.is_none(), &a.assignee, &a.name).cmp(&(
                b.assignee.is_none(),
                &b.assignee,
                &b.name,
            ))
        }),
        "clinicians" => {
            picked.sort_by(|a, b| b.clinicians.cmp(&a.clinicians).then(a.name.cmp(&b.name)))
        }
        _ => picked.sort_by(|a, b| {
            b.needs_application
                .cmp(&a.needs_application)
                .then(rank(a).cmp(&rank(b)))
                .then(b.missing.len().cmp(&a.missing.len()))
                .then(a.name.cmp(&b.name))
        }),
    }
    let per_page = query.per_page.clamp(1, 500);
    let matching = picked.len();
    let pages = matching.div_ceil(per_page).max(1);
    let page = query.page.clamp(1, pages);
    let rows = picked
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    QueuePage {
        rows,
        matching,
        page,
        pages,
        per_page,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::portfolio::ApplicationCounts;

    fn row(
        name: &str,
        tin: &str,
        needs: u32,
        apps: ApplicationCounts,
        missing: usize,
    ) -> DashboardRow {
        let mut r = DashboardRow {
            practice: hardship_store::PracticeId(uuid::Uuid::new_v4()),
            name: name.into(),
            tin: tin.into(),
            level: "individual".into(),
            clinicians: 3,
            reweighted_automatically: 0,
            reweighted_by_hardship: 0,
            not_reweighted: needs,
            needs_application: needs,
            applications: apps,
            alerts: vec![],
            missing: vec!["barrier documentation".into(); missing],
            tin_dashed: format!("{}-{}", &tin[..2], &tin[2..]),
            status: String::new(),
            next_step: String::new(),
            assignee: None,
            notes: String::new(),
            profile_version: 0,
        };
        let s = Status::of(&r, false);
        r.status = s.code().into();
        r.next_step = next_step(s, &r);
        r
    }

    fn apps(draft: u32, submitted: u32, approved: u32, denied: u32) -> ApplicationCounts {
        ApplicationCounts {
            draft,
            submitted,
            approved,
            denied,
            ..ApplicationCounts::default()
        }
    }

    fn rows() -> Vec<DashboardRow> {
        let mut v = vec![
            row(
                "Lakeside Family Medicine",
                "123456789",
                4,
                apps(0, 0, 0, 0),
                0,
            ),
            row("Núñez Chiropractic", "987654321", 2, apps(1, 0, 0, 0), 1),
            row(
                "Wróbel Physical Therapy",
                "555000111",
                0,
                apps(0, 1, 0, 0),
                0,
            ),
            row("Acme Cardiology", "111222333", 0, apps(0, 0, 1, 0), 0),
            row("Zeta Clinic", "444555666", 0, apps(0, 0, 0, 1), 0),
        ];
        v[3].assignee = Some("ana@example.test".into());
        v
    }

    fn q(filter: &str, search: &str, sort: &str) -> QueueQuery {
        QueueQuery {
            filter: filter.into(),
            search: search.into(),
            sort: sort.into(),
            page: 1,
            per_page: 50,
        }
    }

    fn names(p: &QueuePage) -> Vec<&str> {
        p.rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn each_row_gets_one_status_and_a_short_next_step() {
        let r = rows();
        let got: Vec<(&str, &str)> = r
            .iter()
            .map(|r| (r.status.as_str(), r.next_step.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("needs_application", "start an application (4 clinicians)"),
                ("draft", "finish the draft · 1 item missing"),
                ("submitted", "await CMS's e-mail"),
                ("approved", "approved: keep the evidence"),
                ("denied", "denied: report PI"),
            ]
        );
        assert_eq!(Status::of(&r[0], true), Status::NotApplying);
        assert!(
            r.iter()
                .all(|r| r.next_step.split_whitespace().count() <= 10)
        );
    }

    #[test]
    fn filters_search_and_sorts() {
        let r = rows();
        assert_eq!(
            names(&select(&r, &q("needs_application", "", ""), "")),
            ["Lakeside Family Medicine"]
        );
        assert_eq!(
            names(&select(&r, &q("missing_evidence", "", ""), "")),
            ["Núñez Chiropractic"]
        );
        assert_eq!(
            names(&select(&r, &q("mine", "", ""), "ANA@example.test")),
            ["Acme Cardiology"]
        );
        assert_eq!(select(&r, &q("unassigned", "", ""), "").matching, 4);
        // By TIN with or without its dash, by part of a name in any case (and with its accents).
        assert_eq!(
            names(&select(&r, &q("", "98-7654", ""), "")),
            ["Núñez Chiropractic"]
        );
        assert_eq!(
            names(&select(&r, &q("", "987654321", ""), "")),
            ["Núñez Chiropractic"]
        );
        assert_eq!(
            names(&select(&r, &q("", "wRÓbel", ""), "")),
            ["Wróbel Physical Therapy"]
        );
        assert_eq!(
            names(&select(&r, &q("", "", "name"), "")),
            [
                "Acme Cardiology",
                "Lakeside Family Medicine",
                "Núñez Chiropractic",
                "Wróbel Physical Therapy",
                "Zeta Clinic"
            ]
        );
        // Most to do first: uncovered clinicians, then the least advanced.
        assert_eq!(
            names(&select(&r, &q("", "", ""), ""))[..2],
            ["Lakeside Family Medicine", "Núñez Chiropractic"]
        );
        assert_eq!(
            names(&select(&r, &q("", "", "assignee"), ""))[0],
            "Acme Cardiology"
        );
    }

    #[test]
    fn pages_cover_every_row_once() {
        let many: Vec<DashboardRow> = (0..1234)
            .map(|i| {
                row(
                    &format!("Practice {i:04}"),
                    &format!("{:09}", 100_000_000 + i),
                    0,
                    apps(0, 0, 0, 0),
                    0,
                )
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut page = 1;
        loop {
            let p = select(
                &many,
                &QueueQuery {
                    sort: "name".into(),
                    page,
                    per_page: 100,
                    ..q("", "", "")
                },
                "",
            );
            assert_eq!((p.matching, p.pages), (1234, 13));
            for r in &p.rows {
                assert!(seen.insert(r.name.clone()));
            }
            if page == p.pages {
                assert_eq!(p.rows.len(), 34);
                break;
            }
            page += 1;
        }
        assert_eq!(seen.len(), 1234);
        // A page past the end shows the last one; no page is empty.
        assert_eq!(
            select(
                &many,
                &QueueQuery {
                    page: 99,
                    per_page: 100,
                    ..q("", "", "")
                },
                ""
            )
            .page,
            13
        );
    }

    #[test]
    fn unknown_filters_and_orders_are_refused_naming_them() {
        let e = q("approvedd", "", "").check().unwrap_err();
        assert_eq!((e.field, e.value.as_str()), ("filter", "approvedd"));
        assert!(e.expected.contains("needs_application"));
        let e = q("", "", "random").check().unwrap_err();
        assert_eq!(e.field, "sort");
        assert!(q("not_applying", "x", "tin").check().is_ok());
    }
}
