//! The applications of a year, by state.

use super::*;

#[derive(Template)]
#[template(path = "applications.html")]
pub(super) struct ListPage {
    pub(super) nav: Nav,
    pub(super) year: Option<u16>,
    pub(super) years: Vec<u16>,
    /// (application, practice name)
    pub(super) rows: Vec<(ApplicationDto, String)>,
    pub(super) counts: Vec<(&'static str, u32)>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub(super) year: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let p = &user.0;
    let year = match q.year.as_deref() {
        Some(y) if !y.is_empty() => Some(parse_year(y)?),
        _ => None,
    };
    let apps = state.store_for(p).list_applications(p.tenant, year).await?;
    let practices = state.store_for(p).list_practices(p.tenant).await?;
    let name = |id: PracticeId| {
        practices
            .iter()
            .find(|x| x.id == id)
            .map_or_else(String::new, |x| x.name.clone())
    };
    let counts = hardship_app::portfolio::group_by_state(&apps)
        .into_iter()
        .collect();
    let mut rows: Vec<(ApplicationDto, String)> = apps
        .iter()
        .map(|a| (ApplicationDto::from(a), name(a.draft.practice)))
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0.updated_at));
    Ok(html(&ListPage {
        nav: user.nav(&state).await?,
        year: year.map(PerformanceYear::get),
        years: hardship_app::years::years_newest_first(),
        rows,
        counts,
    }))
}
