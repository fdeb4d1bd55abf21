//! Importing the field's files into a practice, all or nothing per file: a roster CSV in the batch
//! contract's columns, a roster in the NPPES file's layout (types from taxonomy codes), or the QPP
//! Eligibility API's JSON for one NPI (special statuses recorded as CMS data, which outrank anything typed
//! or imported). The format is recognised from the bytes; every file is checked whole before one
//! transaction writes it.

use crate::App;
use crate::error::AppError;
use crate::principal::Principal;
use chrono::NaiveDate;
use hardship_formats::eligibility::{self, EligibilityFile};
use hardship_formats::roster::RosterError;
use hardship_formats::{csv_lines, nppes, roster, taxonomy};
use hardship_rules::{ClinicianType, PerformanceYear, SpecialStatus};
use hardship_store::*;
use serde::Serialize;

/// A clinician type an import assigned, and why.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypeAssigned {
    pub npi: String,
    pub clinician_type: String,
    pub code: String,
    /// The mapping's source (data file and version).
    pub source: String,
    pub confirmed: bool,
}

/// What CMS's eligibility data said, beyond the statuses it set.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EligibilitySummary {
    pub npi: String,
    pub name: String,
    pub organization: String,
    pub retrieved_on: NaiveDate,
    pub year: u16,
    /// `hospital_based=false`, … as recorded.
    pub statuses: Vec<String>,
    /// Flags CMS gives that the eligibility view does not derive itself (small practice, rural, HPSA,
    /// an approved PI hardship on record, PI reweighting conditions met), per level.
    pub flags: Vec<String>,
}

/// What an import did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// `roster` (batch contract columns), `nppes` or `qpp_eligibility`.
    pub format: String,
    pub rows: u64,
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub statuses_set: u32,
    /// Statuses not applied because CMS eligibility data on file outranks them.
    pub statuses_kept_from_cms: u32,
    /// Performance years whose reporting profile the file set.
    pub profiles_set: Vec<u16>,
    /// What was read but not imported, and why.
    pub notes: Vec<String>,
    /// Clinician types derived from taxonomy or specialty codes.
    pub types: Vec<TypeAssigned>,
    pub eligibility: Option<EligibilitySummary>,
    /// Bad rows left out because the import was asked to keep the good ones.
    pub left_out: Vec<ImportProblem>,
}

/// Why an import wrote nothing.
pub enum ImportFailure {
    /// Problems in the file: line (0 for a JSON file or the file as a whole), column or JSON path, value.
    Rows(Vec<RosterError>),
    Other(AppError),
}

impl From<AppError> for ImportFailure {
    fn from(e: AppError) -> Self {
        ImportFailure::Other(e)
    }
}

impl From<StoreError> for ImportFailure {
    fn from(e: StoreError) -> Self {
        ImportFailure::Other(e.into())
    }
}

fn json_problem(e: eligibility::JsonError) -> ImportFailure {
    ImportFailure::Rows(vec![RosterError {
        line: 0,
        column: if e.path.is_empty() {
            "(file)".into()
        } else {
            e.path
        },
        value: String::new(),
        message: e.message,
    }])
}

/// Options for the eligibility JSON, which says neither its year nor which of the practice's TINs is meant.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    pub year: Option<PerformanceYear>,
    /// Which `organizations[]` entry of an eligibility file is this practice.
    pub organization: Option<usize>,
    pub retrieved_on: Option<NaiveDate>,
    /// Import the good rows of a CSV and report the bad ones, instead of refusing the file.
    pub keep_good_rows: bool,
}

/// Imports any of the three formats into a practice.
pub async fn import_file(
    app: &App,
    p: &Principal,
    practice: PracticeId,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportResult, ImportFailure> {
    p.require_write()?;
    let pr = app.store_for(p).get_practice(p.tenant, practice).await?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'{') {
        return import_eligibility(app, p, &pr, bytes, opts).await;
    }
    if nppes::is_nppes(bytes) {
        return import_nppes(app, p, &pr, bytes, opts.keep_good_rows).await;
    }
    import_roster(app, p, &pr, bytes, opts.keep_good_rows).await
}

async fn import_nppes(
    app: &App,
    p: &Principal,
    pr: &Practice,
    bytes: &[u8],
    keep_good: bool,
) -> Result<ImportResult, ImportFailure> {
    let (file, left_out) =
        csv_lines::parse_keeping_good(bytes, keep_good, |b| nppes::parse_nppes(b, 100))
            .map_err(ImportFailure::Rows)?;
    let existing = app.store_for(p).list_clinicians(p.tenant, pr.id).await?;
    let entries = file
        .clinicians
        .iter()
        .map(|c| RosterEntry {
            npi: c.npi,
            // A name edited in the app is kept; NPPES names are legal names in capitals.
            name: existing
                .iter()
                .find(|e| e.npi == c.npi)
                .map_or_else(|| c.name.clone(), |e| e.name.clone()),
            clinician_type: c.clinician_type,
            statuses: vec![],
            origin: StatusOrigin::Imported,
        })
        .collect();
    let sum = app
        .store_for(p)
        .import_roster(p.tenant, &p.actor(), pr.id, entries, vec![])
        .await?;
    let mut notes = Vec::new();
    if file.organizations_skipped > 0 {
        notes.push(format!(
            "{} organization NPI(s) (entity type 2) left out: they are not clinicians",
            file.organizations_skipped
        ));
    }
    if file.deactivated_skipped > 0 {
        notes.push(format!(
            "{} deactivated NPI(s) (no entity type) left out",
            file.deactivated_skipped
        ));
    }
    notes.push(format!(
        "clinician types from primary taxonomy codes [{}] [{}]",
        taxonomy::NUCC_SOURCE,
        taxonomy::CROSSWALK_SOURCE
    ));
    Ok(ImportResult {
        format: "nppes".into(),
        rows: file.rows,
        added: sum.added,
        updated: sum.updated,
        unchanged: sum.unchanged,
        statuses_set: sum.statuses_set,
        statuses_kept_from_cms: sum.statuses_kept_from_cms,
        profiles_set: vec![],
        notes,
        types: file
            .clinicians
            .iter()
            .map(|c| TypeAssigned {
                npi: c.npi.to_string(),
                clinician_type: c.clinician_type.code().to_owned(),
                code: c.taxonomy.clone(),
                source: c.mapping.clone(),
                confirmed: c.confirmed,
            })
            .collect(),
        eligibility: None,
        left_out: problems(left_out),
    })
}

async fn import_roster(
    app: &App,
    p: &Principal,
    pr: &Practice,
    bytes: &[u8],
    keep_good: bool,
) -> Result<ImportResult, ImportFailure> {
    let (file, left_out) =
        csv_lines::parse_keeping_good(bytes, keep_good, |b| roster::parse_roster(b, pr.tin, 100))
            .map_err(ImportFailure::Rows)?;
    let mut profiles = Vec::new();
    for y in &file.years {
        let current = app
            .store_for(p)
            .get_practice_year(p.tenant, pr.id, y.year)
            .await?;
        let mut profile = current.profile.clone();
        // A file that states the year's level decides it; one that does not leaves it as it is.
        if y.level_stated {
            profile.level = y.level;
            profile.level_decided = true;
        }
        if let Some(pi) = y.pi_submitted {
            profile.pi_submitted = pi;
        }
        if let Some(n) = y.tin_clinician_count {
            profile.clinician_count = Some(n);
        }
        if y.level_stated && y.level.is_collective() {
            let [quality, cost, ia, pi] = y.scores;
            profile.scores = ScoreEstimates {
                quality,
                cost,
                ia,
                pi,
            };
        }
        if profile != current.profile {
            profiles.push(ProfileWrite {
                year: y.year,
                expected_version: current.version,
                profile,
            });
        }
    }
    let entries: Vec<RosterEntry> = file
        .clinicians
        .iter()
        .map(|c| RosterEntry {
            npi: c.npi,
            name: c.name.clone().unwrap_or_else(|| format!("NPI {}", c.npi)),
            clinician_type: c.clinician_type,
            statuses: c
                .statuses
                .iter()
                .map(|s| (s.year, s.status, s.value))
                .collect(),
            origin: StatusOrigin::Imported,
        })
        .collect();
    let years: Vec<u16> = profiles.iter().map(|w| w.year.get()).collect();
    let sum = app
        .store_for(p)
        .import_roster(p.tenant, &p.actor(), pr.id, entries, profiles)
        .await?;
    Ok(ImportResult {
        format: "roster".into(),
        rows: file.rows,
        added: sum.added,
        updated: sum.updated,
        unchanged: sum.unchanged,
        statuses_set: sum.statuses_set,
        statuses_kept_from_cms: sum.statuses_kept_from_cms,
        profiles_set: years,
        notes: file
            .not_imported
            .iter()
            .map(|c| format!("not imported: {c} (record applications with the wizard, where their facts and evidence are kept)"))
            .collect(),
        types: vec![],
        eligibility: None,
        left_out: problems(left_out),
    })
}

fn flag(out: &mut Vec<String>, level: &str, name: &str, v: Option<bool>) {
    if let Some(v) = v {
        out.push(format!("{level}: {name} {v}"));
    }
}

async fn import_eligibility(
    app: &App,
    p: &Principal,
    pr: &Practice,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportResult, ImportFailure> {
    let profile = match eligibility::parse_eligibility(bytes).map_err(json_problem)? {
        EligibilityFile::Profile(pf) => pf,
        EligibilityFile::Error { kind, message } => {
            return Err(AppError::invalid("file", format!(
                "the file is the QPP Eligibility API's error answer ({kind}: {message}); nothing was imported"
            ))
            .into());
        }
    };
    let year = opts.year.ok_or_else(|| {
        AppError::Malformed(
            "invalid year \"\": an eligibility file does not say its performance year; give it"
                .into(),
        )
    })?;
    let orgs = &profile.organizations;
    let chosen = match opts.organization {
        Some(i) => orgs.get(i).ok_or_else(|| {
            AppError::Malformed(format!(
                "invalid organization \"{i}\": the file lists {} organization(s), numbered from 0",
                orgs.len()
            ))
        })?,
        None => {
            // The same choice a fetch from CMS makes (its TIN, else its name, else the only one); a
            // single organization of another TIN is taken so the check below names both TINs.
            match crate::eligibility_fetch::matching::choose_organization(orgs, pr.tin, &pr.name) {
                Ok(o) => o,
                Err(_) if orgs.is_empty() => {
                    return Err(AppError::invalid("data.organizations",
                        "data.organizations: the file lists no TIN for this clinician; nothing to import",
                    )
                    .into());
                }
                Err(_) if orgs.len() == 1 => &orgs[0],
                Err(_) => {
                    let list: Vec<String> = orgs
                        .iter()
                        .map(|o| format!("[{}] {} ({})", o.index, o.name, o.address))
                        .collect();
                    return Err(AppError::Malformed(format!(
                        "invalid organization \"\": the file lists {} organizations and none has this practice's TIN or name; choose one: {}",
                        orgs.len(),
                        list.join("; ")
                    ))
                    .into());
                }
            }
        }
    };
    if let Some(t) = chosen.tin
        && t != pr.tin
    {
        return Err(AppError::invalid(
            "data.organizations.TIN",
            format!(
                "data.organizations[{}].TIN {t} is not this practice's TIN {}",
                chosen.index, pr.tin
            ),
        )
        .into());
    }
    let existing = app
        .store_for(p)
        .list_clinicians(p.tenant, pr.id)
        .await?
        .into_iter()
        .find(|c| c.npi == profile.npi);
    let retrieved_on = opts.retrieved_on.unwrap_or_else(|| app.now().date_naive());
    let built = profile_entry(
        &profile,
        chosen,
        year,
        existing.as_ref(),
        StatusOrigin::CmsEligibility { retrieved_on },
    )
    .map_err(|e| ImportFailure::Rows(vec![e]))?;
    let name = built.entry.name.clone();
    let sum = app
        .store
        .import_roster(p.tenant, &p.actor(), pr.id, vec![built.entry], vec![])
        .await?;
    let (recorded, flags, types) = (built.recorded, built.flags, built.types);
    Ok(ImportResult {
        format: "qpp_eligibility".into(),
        rows: 1,
        added: sum.added,
        updated: sum.updated,
        unchanged: sum.unchanged,
        statuses_set: sum.statuses_set,
        statuses_kept_from_cms: sum.statuses_kept_from_cms,
        profiles_set: vec![],
        notes: vec![format!(
            "statuses recorded as \"from CMS eligibility data, retrieved on {retrieved_on}\": they outrank imported and hand-entered values"
        )],
        types,
        eligibility: Some(EligibilitySummary {
            npi: profile.npi.to_string(),
            name,
            organization: chosen.name.clone(),
            retrieved_on,
            year: year.get(),
            statuses: recorded,
            flags,
        }),
        left_out: vec![],
    })
}

/// A profile's clinician and special statuses as a roster entry of the practice, with the statuses it
/// records (`hospital_based=true`, ...) and what CMS said beyond them. An NPI already on the roster keeps
/// its name and type; a new one takes CMS's name and the type of its Medicare specialty code.
pub(crate) struct ProfileEntry {
    pub entry: RosterEntry,
    pub recorded: Vec<String>,
    pub flags: Vec<String>,
    pub types: Vec<TypeAssigned>,
}

pub(crate) fn profile_entry(
    profile: &eligibility::Profile,
    chosen: &eligibility::Organization,
    year: PerformanceYear,
    existing: Option<&Clinician>,
    origin: StatusOrigin,
) -> Result<ProfileEntry, RosterError> {
    let ind = chosen.individual.clone().unwrap_or_default();
    let mut types = Vec::new();
    let (name, clinician_type) = match existing {
        Some(c) => (c.name.clone(), c.clinician_type),
        None => {
            let t = match ind.specialty_code.as_deref() {
                Some(code) => {
                    let tx = taxonomy::Taxonomy::embedded().map_err(|e| RosterError {
                        line: 0,
                        column: "(file)".into(),
                        value: String::new(),
                        message: e,
                    })?;
                    let m = tx.type_of_specialty_code(code).map_err(|e| RosterError {
                        line: 0,
                        column: format!(
                            "data.organizations[{}].individualScenario.specialtyCode",
                            chosen.index
                        ),
                        value: code.to_owned(),
                        message: format!("{e}: not a Medicare specialty code of the crosswalk"),
                    })?;
                    types.push(TypeAssigned {
                        npi: profile.npi.to_string(),
                        clinician_type: m.clinician_type.code().to_owned(),
                        code: code.to_owned(),
                        source: m.source,
                        confirmed: m.confirmed,
                    });
                    m.clinician_type
                }
                None => ClinicianType::Other,
            };
            let name = if profile.name.is_empty() {
                format!("NPI {}", profile.npi)
            } else {
                profile.name.clone()
            };
            (name, t)
        }
    };
    let mut statuses = Vec::new();
    let mut recorded = Vec::new();
    for (status, v) in [
        (SpecialStatus::HospitalBased, ind.hospital_based),
        (SpecialStatus::NonPatientFacing, ind.non_patient_facing),
        (SpecialStatus::AscBased, ind.asc_based),
    ] {
        if let Some(v) = v {
            statuses.push((year, status, v));
            recorded.push(format!("{}={v}", status.code()));
        }
    }
    let mut flags = Vec::new();
    for (level, s) in [
        ("individual", chosen.individual.as_ref()),
        ("group", chosen.group.as_ref()),
    ] {
        if let Some(s) = s {
            flag(&mut flags, level, "small practice", s.small_practice);
            flag(&mut flags, level, "rural", s.rural);
            flag(&mut flags, level, "HPSA", s.hpsa);
            flag(
                &mut flags,
                level,
                "approved PI hardship on record",
                s.pi_hardship_approved,
            );
            flag(
                &mut flags,
                level,
                "PI reweighting conditions met",
                s.pi_reweighting,
            );
            flag(
                &mut flags,
                level,
                "extreme and uncontrollable circumstance",
                s.extreme_hardship,
            );
        }
    }
    Ok(ProfileEntry {
        entry: RosterEntry {
            npi: profile.npi,
            name,
            clinician_type,
            statuses,
            origin,
        },
        recorded,
        flags,
        types,
    })
}

/// One bad line of an import.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ImportErrorDto))]
pub struct ImportProblem {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

/// The bad lines of a file, as the caller is told them.
pub fn problems(rows: Vec<RosterError>) -> Vec<ImportProblem> {
    rows.into_iter()
        .map(|e| ImportProblem {
            line: e.line,
            column: e.column,
            value: e.value,
            message: e.message,
        })
        .collect()
}
