#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The server's tests, in one binary (one link): the real application on a random port with a real
//! SQLite database and vault directory.

/// Starting the app, signing in, minting tokens.
mod harness;

/// Security headers, body limits, error mapping.
mod foundation;

/// Every route × {anonymous, other tenant, auditor, staff, owner}, and CSRF.
mod access;
/// Every view of a practice-year says the same, count for count.
mod agree;
/// The JSON API against the real app: flows, bad input, concurrency.
mod api;
/// The audit trail as sentences with names, its filters and CSV, through the API and the page.
mod audit_trail;
/// The main journey in a real headless Chromium.
mod browser;
/// A client practice invited, uploading, answering and signing; members' roles changed and removed.
mod clients;
/// Corrections that keep history, and who looked at what, through the API and the pages.
mod corrections;
/// NPPES rosters, CMS eligibility data, the submission guard, packets, binders and exports.
mod formats;
/// Hostile input at every edge (property tests): parsers, uploads, API bodies, pages; never a 5xx.
mod hostile;
/// A client list onboarded from one file, and the work queue.
mod onboarding;
/// The OpenAPI document: valid, and covering every route the server serves.
mod openapi;
/// Regressions for what a red-team found (issue 11): each attack, tried as it was.
mod redteam;
/// The application wizard: no application needed, an ongoing circumstance, everything missing at
/// once, who applies against the year's level.
mod wizard;
