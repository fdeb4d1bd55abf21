//! `hardship-app`: the use cases of the product, for every front end. The server's pages and API and the
//! command line all call these, so they never disagree; none of it knows HTTP (errors are [`AppError`],
//! answers are plain data that serialise, with OpenAPI schemas behind the `openapi` feature).
//!
//! Everything runs in a context ([`App`]: the store, the evidence vault, the clock, the caches and the
//! password hasher) for a [`Principal`], whose tenant every store call is given.

/// API tokens, calendar links, invitations and sessions.
pub mod access;
/// Screening, the score impact, and an application's life.
pub mod applications;
/// A practice-year's records turned into decisions, warnings and what is missing (pure).
pub mod assess;
/// Signing an application's packet: its hash, the signature, and whether it still matches.
pub mod attest;
/// The audit trail as people read it: sentences, names, field changes, filters, CSV.
pub mod audit_trail;
/// Caches valid for one tenant revision.
pub mod cache;
/// The deadline calendar feed of an organization.
pub mod calendar;
/// Eligibility from CMS's QPP Eligibility API, for a practice or the whole organization.
pub mod eligibility_fetch;
/// The use cases' error type.
pub mod error;
/// The EUC side of a practice-year: EUC applications, their categories, automatic EUC.
pub mod euc;
/// Evidence uploads and downloads, and audit verification.
pub mod evidence;
/// CMS's final feedback reconciled with our decisions; targeted-review candidates.
pub mod feedback;
/// The submission guard: PI data in a file for a submitter whose PI is reweighted.
pub mod guard;
/// The deadline calendar feed (iCalendar).
pub mod ical;
/// Reweighting versus reporting PI: the numbers and the chart (pure).
pub mod impact;
/// Importing rosters (batch contract, NPPES) and CMS eligibility data into a practice.
pub mod imports;
/// E-mail: the `Mailer` door, its SMTP implementation and the messages' words.
pub mod mail;
/// Members after they joined: roles changed, members removed (owners only).
pub mod members;
/// A client list of many practices (CSV or XLSX), previewed then written in one transaction.
pub mod onboarding;
/// Password reset by e-mail: asking for a link, checking it, setting the new password.
pub mod password_reset;
/// Passwords: argon2id on a few blocking threads with reused buffers, so a burst cannot exhaust memory.
pub mod passwords;
/// Printable PDF documents (the application packet, the audit binder), written without dependencies.
pub mod pdf;
/// The portfolio dashboard.
pub mod portfolio;
/// A cached portfolio brought to a newer revision by reloading only the practices that changed.
mod portfolio_refresh;
/// A practice-year loaded and assessed, cached per tenant revision.
pub mod practice_years;
/// Who is asking.
pub mod principal;
/// The portfolio as a work queue: a status and next step per practice-year, filters, search, pages.
pub mod queue;
/// Reminders before each deadline and the weekly digest, each sent once.
pub mod reminders;
/// The application packet, the audit binder and the portfolio export.
pub mod report;
/// Targeted-review cases and their packets; data validation and audit requests.
pub mod review;
/// The store as a principal may see it: a client's practices and nothing else.
pub mod scope;
/// The records as JSON, for every front end.
pub mod views;
/// The rule book's years, windows and levels.
pub mod years;

pub use error::{AppError, AppResult};
pub use principal::{Credential, PracticeFilter, Principal};

use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use hardship_store::{ApiToken, Clock, PracticeId, Store, SystemClock, TenantId};
use hardship_vault::Vault;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the use cases are configured with.
#[derive(Clone, Debug)]
pub struct AppSettings {
    /// Largest evidence upload accepted, in bytes.
    pub upload_limit: usize,
    /// How long an invitation's link works.
    pub invite_ttl: Duration,
    /// Password hashes computed at once (each holds 19 MiB), and callers allowed to wait for a turn.
    pub password_workers: usize,
    pub password_queue: usize,
    /// How long a password reset link works.
    pub reset_ttl: Duration,
    /// The address people reach the site at (`https://hardship.example.org`), for links in e-mails.
    /// Password reset mails need it: a link built from the request's `Host` header could point to a
    /// site of the requester's choosing (host-header poisoning).
    pub public_url: Option<String>,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            upload_limit: 25 * 1024 * 1024,
            invite_ttl: Duration::from_secs(7 * 24 * 3600),
            password_workers: 2,
            password_queue: 16,
            reset_ttl: Duration::from_secs(3600),
            public_url: None,
        }
    }
}

/// Caches of derived answers, each entry valid for one tenant revision.
pub struct Caches {
    /// By tenant, practice, year, and whether the year's window has closed.
    pub assessments: cache::RevisionCache<
        (TenantId, PracticeId, PerformanceYear, bool),
        practice_years::PracticeYearBundle,
    >,
    /// By tenant, year, whether the year's window has closed, and the practices the caller sees (a
    /// client's portfolio is its own practices', totals included).
    pub portfolios: cache::RevisionCache<
        (TenantId, PerformanceYear, bool, PracticeFilter),
        portfolio::Portfolio,
    >,
    /// API tokens by hash, with the tenant revision they were read at (a revocation moves it).
    pub tokens: Mutex<HashMap<[u8; 32], (ApiToken, i64)>>,
    /// How many portfolios were computed in full, and how many patched from a previous revision (what
    /// the soak's p99 depends on; the tests read them).
    pub portfolio_full_loads: std::sync::atomic::AtomicU64,
    pub portfolio_patches: std::sync::atomic::AtomicU64,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            assessments: cache::RevisionCache::new(4096),
            portfolios: cache::RevisionCache::new(256),
            tokens: Mutex::new(HashMap::new()),
            portfolio_full_loads: std::sync::atomic::AtomicU64::new(0),
            portfolio_patches: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

/// The context every use case runs in. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub vault: Arc<Vault>,
    pub clock: Arc<dyn Clock>,
    pub caches: Arc<Caches>,
    /// The bounded password hasher.
    pub passwords: passwords::Passwords,
    pub settings: AppSettings,
    /// Where e-mail goes out; `None` when no SMTP server is configured (links are shown to copy).
    pub mailer: Option<Arc<dyn mail::Mailer>>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, vault: Arc<Vault>, settings: AppSettings) -> App {
        App::with_clock(store, vault, settings, Arc::new(SystemClock))
    }

    /// With an injected clock (tests move it past a deadline).
    pub fn with_clock(
        store: Arc<dyn Store>,
        vault: Arc<Vault>,
        settings: AppSettings,
        clock: Arc<dyn Clock>,
    ) -> App {
        let passwords = passwords::Passwords::new(
            settings.password_workers,
            settings.password_queue,
            Duration::from_secs(10),
        );
        App {
            store,
            vault,
            clock,
            caches: Arc::new(Caches::default()),
            passwords,
            settings,
            mailer: None,
        }
    }

    /// The same context sending e-mail through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn mail::Mailer>) -> App {
        self.mailer = Some(mailer);
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The base of links in e-mails about the installation itself (reset links, reminders): the
    /// configured public address only.
    pub fn public_url(&self) -> Option<&str> {
        self.settings
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/'))
    }

    /// The store as `p` may see it: the store itself for owners, staff and auditors; for a client, a
    /// [`scope::ScopedStore`] over its practices. Every use case reads and writes through this.
    pub fn store_for(&self, p: &Principal) -> Arc<dyn Store> {
        match &p.practices {
            PracticeFilter::All => Arc::clone(&self.store),
            filter => Arc::new(scope::ScopedStore {
                inner: Arc::clone(&self.store),
                filter: filter.clone(),
                user: p.user,
            }),
        }
    }
}
