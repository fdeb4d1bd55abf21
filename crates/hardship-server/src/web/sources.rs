//! The rule book's sources: every key a page cites links here, to what it refers to.

use super::{Nav, PageResult, WebUser, html};
use crate::AppState;
use askama::Template;
use axum::extract::State;

pub(super) struct SourceRow {
    key: String,
    text: String,
    /// The first web address in the description, to open it.
    url: Option<String>,
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage {
    nav: Nav,
    sources: Vec<SourceRow>,
}

/// The first http(s) address in a description, if it has one.
fn first_url(text: &str) -> Option<String> {
    let start = text.find("https://").or_else(|| text.find("http://"))?;
    let url: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ')' | ']' | ',' | '"' | '\''))
        .collect();
    Some(url.trim_end_matches('.').to_owned())
}

pub async fn page(State(state): State<AppState>, user: WebUser) -> PageResult {
    let book = hardship_rules::RuleBook::embedded()
        .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
    let sources = book
        .sources()
        .map(|(k, v)| SourceRow {
            key: k.to_owned(),
            text: v.to_owned(),
            url: first_url(v),
        })
        .collect();
    Ok(html(&SourcesPage {
        nav: user.nav(&state).await?,
        sources,
    }))
}

#[cfg(test)]
mod tests {
    use super::first_url;

    #[test]
    fn the_first_address_is_found_without_trailing_punctuation() {
        assert_eq!(
            first_url("AAFP — https://www.aafp.org/fpm/2018/0700/p29.html."),
            Some("https://www.aafp.org/fpm/2018/0700/p29.html".into())
        );
        assert_eq!(first_url("slides, no public URL recorded"), None);
        assert_eq!(
            first_url("(see http://ascrs.org/node/31104)"),
            Some("http://ascrs.org/node/31104".into())
        );
    }
}
