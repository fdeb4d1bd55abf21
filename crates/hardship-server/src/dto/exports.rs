//! What the exports take: the portfolio export's query (the packet's shape is the app's
//! [`ApplicationPacketDto`](hardship_app::views::ApplicationPacketDto)).

use super::*;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioQuery {
    pub year: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}
