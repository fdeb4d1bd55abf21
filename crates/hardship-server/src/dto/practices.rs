//! Practices and their contacts.

use super::*;

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPracticeDto {
    /// Nine digits; `12-3456789` is accepted.
    #[schema(example = "123456789")]
    pub tin: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact: ContactDto,
    /// The practice location's ZIP: `12345` or `12345-6789` (CMS's automatic EUC areas are ZIP lists).
    #[serde(default)]
    pub zip: Option<String>,
}

impl NewPracticeDto {
    pub fn parse(self) -> Result<NewPractice, ApiError> {
        Ok(NewPractice {
            tin: parse_tin(&self.tin)?,
            name: self.name,
            address: self.address,
            contact: self.contact.into_contact()?,
            zip: parse_zip(self.zip.as_deref())?,
        })
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeUpdateDto {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact: ContactDto,
    #[serde(default)]
    pub zip: Option<String>,
    /// A corrected TIN (nine digits), recorded as a correction; absent keeps the TIN. A TIN another
    /// practice of the organization has is refused.
    #[serde(default)]
    pub tin: Option<String>,
}

impl PracticeUpdateDto {
    pub fn parse(self) -> Result<(i64, PracticeUpdate), ApiError> {
        Ok((
            self.version,
            PracticeUpdate {
                name: self.name,
                address: self.address,
                contact: self.contact.into_contact()?,
                zip: parse_zip(self.zip.as_deref())?,
                tin: match self.tin.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(t) => Some(parse_tin(t)?),
                },
            },
        ))
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PracticesQuery {
    /// `true`: archived practices too (marked as such).
    pub archived: Option<String>,
}

impl PracticesQuery {
    pub fn archived(&self) -> Result<bool, ApiError> {
        match self.archived.as_deref().map(str::trim) {
            None | Some("") | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::BadRequest(format!(
                "invalid archived {other:?}: true or false"
            ))),
        }
    }
}
