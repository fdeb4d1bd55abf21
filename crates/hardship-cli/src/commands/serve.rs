//! `hardship serve`: the web application and JSON API over the installation. The one command that uses
//! the HTTP crate (`hardship-server`).

use super::open;
use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_cli::ops;
use hardship_cli::storage::{self, StorageArgs};
use std::io::IsTerminal;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HARDSHIP_LISTEN")]
    listen: Option<String>,
    /// Largest request body in bytes (uploads included).
    #[arg(long, env = "HARDSHIP_UPLOAD_LIMIT_BYTES")]
    upload_limit_bytes: Option<u64>,
    /// Mark the session cookie `Secure` (default true). `false` is accepted only when listening on a
    /// loopback address, for browsers that refuse `Secure` cookies over plain-HTTP localhost.
    #[arg(long, env = "HARDSHIP_COOKIE_SECURE")]
    cookie_secure: Option<bool>,
    /// A load balancer's address whose `X-Forwarded-For` header names the client (for the sign-in
    /// limiter); repeat, or comma-separate in the environment. Without one the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "HARDSHIP_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    mail: hardship_cli::mail::MailArgs,
    /// CMS's QPP Eligibility API, for the practice page's "Fetch from CMS" (default https://qpp.cms.gov).
    #[arg(long, env = "HARDSHIP_QPP_API_URL")]
    qpp_api_url: Option<String>,
    /// Requests per second to CMS, retries included (default 2).
    #[arg(long, env = "HARDSHIP_QPP_RATE")]
    qpp_rate: Option<f64>,
    /// Tries after the first for a 429, a 5xx or a failed connection (default 5).
    #[arg(long, env = "HARDSHIP_QPP_RETRIES")]
    qpp_retries: Option<u32>,
}

pub async fn run(storage: &StorageArgs, a: ServeArgs) -> Outcome {
    let (filter, refused) = log_filter(std::env::var("HARDSHIP_LOG").ok().as_deref());
    let _ = tracing_subscriber::fmt()
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .finish()
        .with(filter)
        .try_init();
    if let Some(refused) = refused {
        tracing::warn!("{refused}");
    }
    let (settings, store) = open(storage).await?;
    let vault = ops::open_vault(&settings).map_err(CliError::BadInput)?;
    let listen = a
        .listen
        .or(settings.file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let mut server = hardship_server::ServerSettings::default();
    if let Some(limit) = a.upload_limit_bytes.or(settings.file.upload_limit_bytes) {
        server.body_limit = usize::try_from(limit)
            .map_err(|_| CliError::bad(format!("upload limit {limit} is too large")))?;
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| CliError::bad(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::Internal(e.to_string()))?;
    server.secure_cookies = a
        .cookie_secure
        .or(settings.file.cookie_secure)
        .unwrap_or(true);
    if !server.secure_cookies && !bound.ip().is_loopback() {
        return Err(CliError::bad(format!(
            "cookie_secure=false is only allowed on a loopback address, not {bound}: serve over HTTPS"
        )));
    }
    server.trusted_proxies = if a.trusted_proxies.is_empty() {
        settings.file.trusted_proxies.clone().unwrap_or_default()
    } else {
        a.trusted_proxies
    };
    let mail = a.mail.resolve(&settings.file).map_err(CliError::BadInput)?;
    server.public_url = mail.public_url.clone();
    let qpp =
        super::eligibility::fetch_settings(&settings, a.qpp_api_url, a.qpp_rate, a.qpp_retries)?;
    // Within the server's request timeout: the run's budget and its per-request timeout stay the server's.
    server.qpp = hardship_app::eligibility_fetch::FetchSettings {
        base_url: qpp.base_url,
        rate: qpp.rate,
        retries: qpp.retries,
        ..server.qpp
    };
    tracing::info!(address = %bound, database = %storage::redact(&settings.database_url), "hardship is serving");
    match &mail.mailer {
        Some(m) if mail.public_url.is_none() => tracing::warn!(
            smtp = %m.describe(),
            "e-mail on, but HARDSHIP_PUBLIC_URL is not set: invitations are mailed with the inviting \
             owner's address, reminders carry no links, and password reset by e-mail is off"
        ),
        Some(m) => {
            tracing::info!(smtp = %m.describe(), "e-mail on; reminders run every 15 minutes")
        }
        None => tracing::info!("no HARDSHIP_SMTP_URL: nothing is mailed, links are shown to copy"),
    }
    eprintln!("hardship: serving on http://{bound}");
    let mut state = hardship_server::AppState::new(store, std::sync::Arc::new(vault), server);
    if let Some(m) = mail.mailer {
        state = state.with_mailer(m);
    }
    hardship_server::serve(listener, state)
        .await
        .map_err(|e| CliError::Internal(e.to_string()))
}

/// The log filter from `HARDSHIP_LOG` (a level, or `target=level` pairs separated by commas, as
/// tracing-subscriber's `Targets` reads them); `info` when it is unset, and also when it does not parse,
/// with the reason to log once logging works.
fn log_filter(value: Option<&str>) -> (tracing_subscriber::filter::Targets, Option<String>) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let default = || Targets::new().with_default(LevelFilter::INFO);
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => (default(), None),
        Some(v) => match v.parse::<Targets>() {
            Ok(filter) => (filter, None),
            Err(e) => (
                default(),
                Some(format!(
                    "HARDSHIP_LOG {v:?} is not a log filter ({e}); logging at info"
                )),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::log_filter;
    use tracing::Level;

    #[test]
    fn the_log_filter_reads_levels_and_targets_and_names_what_it_refuses() {
        let (f, refused) = log_filter(None);
        assert!(refused.is_none() && f.would_enable("hardship_server", &Level::INFO));
        assert!(!f.would_enable("hardship_server", &Level::DEBUG));
        let (f, refused) = log_filter(Some(" warn "));
        assert!(refused.is_none() && !f.would_enable("sqlx", &Level::INFO));
        let (f, refused) = log_filter(Some("info,hardship_server=debug,sqlx=warn"));
        assert!(refused.is_none());
        assert!(f.would_enable("hardship_server::web", &Level::DEBUG));
        assert!(!f.would_enable("sqlx::query", &Level::INFO));
        assert!(f.would_enable("tower_http", &Level::INFO));
        let (f, refused) = log_filter(Some("sqlx=loud"));
        let refused = refused.expect("refused");
        assert!(
            refused.contains("HARDSHIP_LOG") && refused.contains("sqlx=loud"),
            "{refused}"
        );
        assert!(
            f.would_enable("anything", &Level::INFO),
            "falls back to info"
        );
    }
}
