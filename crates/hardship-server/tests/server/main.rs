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
/// The portfolio cache patched after changes equals a fresh computation.
mod cache;
/// A client practice invited, uploading, answering and signing; members' roles changed and removed.
mod clients;
/// "Fetch from CMS": the practice page's button and its API, against a stand-in for CMS's API.
mod cms_fetch;
/// Corrections that keep history, and who looked at what, through the API and the pages.
mod corrections;
/// The EUC exception application through the API and the pages; reopened one-reason windows.
mod euc;
/// CMS's final feedback reconciled; targeted-review candidates.
mod feedback;
/// NPPES rosters, CMS eligibility data, the submission guard, packets, binders and exports.
mod formats;
/// Hostile input at every edge (property tests): parsers, uploads, API bodies, pages; never a 5xx.
mod hostile;
/// E-mail through a real SMTP server: invitations, password resets.
mod mail;
/// A client list onboarded from one file, and the work queue.
mod onboarding;
/// The OpenAPI document: valid, and covering every route the server serves.
mod openapi;
/// Regressions for what a red-team found (issue 11): each attack, tried as it was.
mod redteam;
/// Targeted-review cases and DVA requests through the API and the pages.
mod reviews;
/// The application wizard: no application needed, an ongoing circumstance, everything missing at
/// once, who applies against the year's level.
mod wizard;
