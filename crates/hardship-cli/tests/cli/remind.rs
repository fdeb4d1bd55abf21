//! `hardship remind` against a real SMTP server on loopback (`scripts/with-smtp.sh`): 30 days before
//! the PY 2026 deadline each owner and staff member gets one message listing the practices still at
//! risk (names with diacritics intact), a second run sends none, a dry run sends none, two runs at once
//! send each message once, the Monday digest lists the open work, and a refused delivery is retried.

use crate::instance::Installation;
use crate::{stderr, stdout};
use hardship_rules::{ClinicianType, Tin};
use hardship_store::*;
use hardship_testkit::smtp::{self, Sink};
use std::path::Path;

/// 29½ days before the PY 2026 deadline (2026-12-31 20:00 ET = 2027-01-01 01:00 UTC), a Wednesday.
const THIRTY_DAYS_BEFORE: &str = "2026-12-02T12:00:00Z";
const A_WEEK_BEFORE: &str = "2026-12-25T12:00:00Z";
/// A Monday, 46 days before the deadline: the digest only.
const A_MONDAY: &str = "2026-11-16T06:00:00Z";

struct People {
    owner: String,
    staff: String,
    auditor: String,
    other: String,
}

fn people(tag: &str, staff_prefix: &str) -> People {
    People {
        owner: format!("owner-{tag}@mail.test"),
        staff: format!("{staff_prefix}-{tag}@mail.test"),
        auditor: format!("auditor-{tag}@mail.test"),
        other: format!("other-{tag}@mail.test"),
    }
}

/// A consultancy with an owner, staff and an auditor; two practices at risk (one named in Vietnamese,
/// 16 physicians each, no application) and one with no roster (open work, but no application needed);
/// and another organization with nothing to do.
fn seed(data: &Path, who: &People) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        std::fs::create_dir_all(data).unwrap();
        let s = hardship_store_sqlite::open(&data.join("hardship.sqlite"), Env::system())
            .await
            .unwrap();
        let actor = Actor::system();
        let org = s
            .create_organization(&actor, "Acme Consulting", OrganizationKind::Consultancy)
            .await
            .unwrap();
        for (email, role) in [
            (&who.owner, Role::Owner),
            (&who.staff, Role::Staff),
            (&who.auditor, Role::Auditor),
        ] {
            let u = s.create_user(email, "$argon2id$stub").await.unwrap();
            s.add_membership(org.id, &actor, u.id, role).await.unwrap();
        }
        let mut n = 0;
        for (tin, name, clinicians) in [
            ("123456789", "Nguyễn Văn An Family Medicine", 16),
            ("223456789", "Lakeside Clinic", 16),
            ("323456789", "Quiet Clinic", 0),
        ] {
            let p = s
                .create_practice(
                    org.id,
                    &actor,
                    NewPractice {
                        tin: Tin::parse(tin).unwrap(),
                        name: name.into(),
                        address: String::new(),
                        contact: Contact {
                            name: String::new(),
                            email: String::new(),
                            phone: String::new(),
                        },
                        zip: None,
                    },
                )
                .await
                .unwrap();
            let roster = (0..clinicians)
                .map(|_| {
                    n += 1;
                    NewClinician {
                        npi: hardship_rules::Npi::parse(&crate::npi(n)).unwrap(),
                        name: format!("Dr. Łukasz Wróbel {n}"),
                        clinician_type: ClinicianType::Physician,
                    }
                })
                .collect::<Vec<_>>();
            if !roster.is_empty() {
                s.add_clinicians(org.id, &actor, p.id, roster)
                    .await
                    .unwrap();
            }
        }
        let other = s
            .create_organization(&actor, "Other Practice", OrganizationKind::Practice)
            .await
            .unwrap();
        let u = s.create_user(&who.other, "$argon2id$stub").await.unwrap();
        s.add_membership(other.id, &actor, u.id, Role::Owner)
            .await
            .unwrap();
    });
}

fn installation(data: &Path, sink: &Sink) -> Installation {
    Installation::sqlite(data)
        .with_env("HARDSHIP_SMTP_URL", &sink.url)
        .with_env("HARDSHIP_MAIL_FROM", "Hardship <noreply@hardship.test>")
        .with_env("HARDSHIP_PUBLIC_URL", "https://hardship.example.test/")
}

fn remind(i: &Installation, args: &[&str]) -> std::process::Output {
    let mut all = vec!["remind"];
    all.extend_from_slice(args);
    i.run(&all)
}

#[test]
fn deadline_reminders_go_out_once_per_person() {
    let Some(sink) = smtp::sink() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tag = smtp::tag();
    let who = people(&tag, "staff");
    seed(&data, &who);
    let i = installation(&data, &sink);

    // A dry run names who would get what, and sends and claims nothing.
    let o = remind(&i, &["--dry-run", "--now", THIRTY_DAYS_BEFORE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("2 would be sent"), "{out}");
    assert!(
        out.contains(&format!("would send: deadline_30 to {}", who.owner)),
        "{out}"
    );
    assert!(
        out.contains(&format!("would send: deadline_30 to {}", who.staff)),
        "{out}"
    );
    assert!(
        out.contains("Nguyễn Văn An Family Medicine (TIN 12-3456789), PY 2026"),
        "{out}"
    );
    assert!(
        !out.contains(&who.auditor) && !out.contains(&who.other),
        "{out}"
    );
    assert!(sink.to(&tag).is_empty(), "a dry run sends nothing");

    // The run: one message per owner and staff member, listing the practices at risk.
    let o = remind(&i, &["--now", THIRTY_DAYS_BEFORE]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 sent"), "{}", stdout(&o));
    for to in [&who.owner, &who.staff] {
        let got = sink.wait_for(to, 1);
        assert_eq!(got.len(), 1, "{to}");
        let m = &got[0];
        assert!(
            m.subject.contains("PY 2026") && m.subject.contains("30 days"),
            "{}",
            m.subject
        );
        assert!(m.subject.contains("2 practices"), "{}", m.subject);
        assert!(
            m.text
                .contains("Nguyễn Văn An Family Medicine (TIN 12-3456789)"),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("Lakeside Clinic") && !m.text.contains("Quiet Clinic"),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("16 clinicians need an application"),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("https://hardship.example.test/practices/"),
            "{}",
            m.text
        );
        assert!(m.text.contains("2026-12-31 20:00 -05:00"), "{}", m.text);
    }
    assert!(sink.to(&who.auditor).is_empty() && sink.to(&who.other).is_empty());

    // Again: nothing new, whether run for real or dry.
    let o = remind(&i, &["--now", THIRTY_DAYS_BEFORE]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 sent"), "{}", stdout(&o));
    let o = remind(&i, &["--dry-run", "--now", "2026-12-03T12:00:00Z"]);
    assert!(
        stdout(&o).contains("0 would be sent, 2 already sent"),
        "{}",
        stdout(&o)
    );
    assert_eq!(sink.to(&tag).len(), 2);

    // A week before: the 7-day reminder, once.
    let o = remind(&i, &["--now", A_WEEK_BEFORE, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = report["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["deadline_7", "deadline_7"], "{report}");
    assert!(sink.wait_for(&who.owner, 2)[1].subject.contains("7 days"));
    assert_eq!(sink.to(&tag).len(), 4);
}

#[test]
fn two_runs_at_once_send_each_reminder_once() {
    let Some(sink) = smtp::sink() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tag = smtp::tag();
    let who = people(&tag, "staff");
    seed(&data, &who);
    let i = installation(&data, &sink);
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hardship"))
            .args(["remind", "--now", THIRTY_DAYS_BEFORE])
            .args(&i.args)
            .envs(i.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    assert!(
        a.status.success() && b.status.success(),
        "{}{}",
        stderr(&a),
        stderr(&b)
    );
    sink.wait_for(&who.owner, 1);
    sink.wait_for(&who.staff, 1);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.to(&who.owner).len(), 1, "{}{}", stdout(&a), stdout(&b));
    assert_eq!(sink.to(&who.staff).len(), 1, "{}{}", stdout(&a), stdout(&b));
}

#[test]
fn the_monday_digest_lists_open_work_and_a_refused_delivery_is_retried() {
    let Some(sink) = smtp::sink() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tag = smtp::tag();
    // The test server refuses reject* recipients: the staff member's delivery fails.
    let who = people(&tag, "reject-staff");
    seed(&data, &who);
    let i = installation(&data, &sink);
    let o = remind(&i, &["--now", A_MONDAY]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("1 sent") && stdout(&o).contains("FAILED"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("the next run tries again"),
        "{}",
        stderr(&o)
    );
    let m = sink.wait_for(&who.owner, 1).remove(0);
    assert!(
        m.subject.contains("Weekly hardship digest 2026-W47"),
        "{}",
        m.subject
    );
    assert!(m.text.contains("Performance year 2026"), "{}", m.text);
    assert!(
        m.text.contains("Nguyễn Văn An Family Medicine"),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("Quiet Clinic") && m.text.contains("No clinicians on the roster"),
        "{}",
        m.text
    );
    // The next run: the owner's digest was sent once; the refused one is tried again.
    let o = remind(&i, &["--now", "2026-11-16T06:15:00Z"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("0 sent") && stdout(&o).contains("1 already sent"),
        "{}",
        stdout(&o)
    );
    assert_eq!(sink.to(&who.owner).len(), 1);
    // A Tuesday: no digest.
    let o = remind(&i, &["--dry-run", "--now", "2026-11-17T06:00:00Z"]);
    assert!(stdout(&o).contains("0 would be sent"), "{}", stdout(&o));
}

#[test]
fn without_smtp_only_a_dry_run_is_possible() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed(&data, &people(&smtp::tag(), "staff"));
    let i = Installation::sqlite(&data);
    let o = remind(&i, &["--now", THIRTY_DAYS_BEFORE]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HARDSHIP_SMTP_URL"), "{}", stderr(&o));
    let o = remind(&i, &["--dry-run", "--now", THIRTY_DAYS_BEFORE]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 would be sent"), "{}", stdout(&o));
    let bad = i
        .clone()
        .with_env(
            "HARDSHIP_SMTP_URL",
            "smtp://user:s3cret@mail.example.test?tls=sometimes",
        )
        .with_env("HARDSHIP_MAIL_FROM", "noreply@hardship.test");
    let o = remind(&bad, &["--now", THIRTY_DAYS_BEFORE]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        !stderr(&o).contains("s3cret") && stderr(&o).contains("***"),
        "{}",
        stderr(&o)
    );
}
