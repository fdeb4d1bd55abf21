//! Writes the embedded rule book's per-year parameters as CSV tables, so the batch benchmark's SQL peer
//! (`bench/batch_peer.py`, DuckDB) decides from the same rules as `hardship batch` instead of constants
//! typed into the SQL.
//!
//! Usage: `cargo run --release -p hardship-cli --example batch_peer_tables -- DIR` writes `DIR/years.csv`,
//! `DIR/types.csv`, `DIR/reasons.csv`, `DIR/redistribution.csv` and `DIR/euc_zips.csv`.

use hardship_rules::ruleset::BonusPlacement;
use hardship_rules::{
    Category, CategorySet, ClinicianType, HardshipReason, ReportingLevel, RuleBook, SpecialStatus,
};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let book = RuleBook::embedded().map_err(|e| std::io::Error::other(e.to_string()))?;
    let open = |name: &str| File::create(dir.join(name)).map(BufWriter::new);
    let b = |v: bool| if v { "true" } else { "false" };
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());

    let mut years = open("years.csv")?;
    writeln!(
        years,
        "year,small_max,small_auto,hb_rule,npf_rule,asc_rule,voids_applies,incomplete_voids,\
         euc_all,euc_q,euc_c,euc_ia,euc_pi,euc_q_data,euc_c_data,euc_ia_data,\
         cns_individual,cns_group,cns_virtual_group,cns_apm_entity,\
         base_q,base_c,base_ia,base_pi,fewer_rule,threshold,max_negative,floor_fraction,exceptional,\
         spb_final_points,cpb_max,hb_share,hb_inclusive,npf_share,npf_inclusive,mixed_grounds,\
         apply_individual,apply_group,apply_virtual_group,apply_apm_entity,vg_allowed"
    )?;
    let mut types = open("types.csv")?;
    writeln!(types, "year,clinician_type,eligible,automatic")?;
    let mut reasons = open("reasons.csv")?;
    writeln!(reasons, "year,reason,accepted,voided_by_pi")?;
    let mut redistribution = open("redistribution.csv")?;
    writeln!(redistribution, "year,mask,small,q,c,ia,pi")?;
    let mut zips = open("euc_zips.csv")?;
    writeln!(zips, "year,zip")?;

    for r in book.years() {
        let e = &r.automatic_euc;
        let has = |c: Category| e.categories.contains(&c);
        let data = |c: Category| e.overridden_by_data.contains(&c);
        let cns = |l: ReportingLevel| r.cost_not_scored.levels.contains(&l);
        let apply = |l: ReportingLevel| r.application_levels.levels.contains(&l);
        let bw = &r.base_weights;
        let a = &r.adjustment;
        let spb = match r.small_practice_bonus.placement {
            BonusPlacement::FinalScore => r.small_practice_bonus.points,
            _ => 0.0,
        };
        let t = &r.group_tests;
        writeln!(
            years,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.year,
            r.small_practice.max_clinicians,
            b(r.small_practice.automatic_pi_reweighting),
            b(r.status_rule(SpecialStatus::HospitalBased).is_some()),
            b(r.status_rule(SpecialStatus::NonPatientFacing).is_some()),
            b(r.status_rule(SpecialStatus::AscBased).is_some()),
            b(r.pi_submission_voids_reweighting.applies),
            b(r.pi_submission_voids_reweighting.incomplete_voids),
            b(e.all_individuals),
            b(has(Category::Quality)),
            b(has(Category::Cost)),
            b(has(Category::Ia)),
            b(has(Category::Pi)),
            b(data(Category::Quality)),
            b(data(Category::Cost)),
            b(data(Category::Ia)),
            b(cns(ReportingLevel::Individual)),
            b(cns(ReportingLevel::Group)),
            b(cns(ReportingLevel::VirtualGroup)),
            b(cns(ReportingLevel::ApmEntity)),
            bw.quality,
            bw.cost,
            bw.ia,
            bw.pi,
            b(r.fewer_than_two_scored.final_score_equals_threshold),
            a.performance_threshold.value,
            a.max_negative_percent.value,
            a.negative_floor_fraction.value,
            // The exceptional band needs both the threshold and the bonus (as `scoring::adjust`).
            opt(a
                .exceptional_threshold
                .value
                .filter(|_| a.exceptional_bonus_max_percent.value.is_some())),
            spb,
            r.complex_patient_bonus_max.value,
            t.hospital_based.share,
            b(t.hospital_based.inclusive),
            t.non_patient_facing.share,
            b(t.non_patient_facing.inclusive),
            b(t.all_members.mixed_grounds),
            b(apply(ReportingLevel::Individual)),
            b(apply(ReportingLevel::Group)),
            b(apply(ReportingLevel::VirtualGroup)),
            b(apply(ReportingLevel::ApmEntity)),
            b(r.virtual_groups.allowed),
        )?;
        for &ct in ClinicianType::ALL {
            let automatic = r.clinician_type_rule(ct).is_some_and(|rule| rule.automatic);
            writeln!(
                types,
                "{},{},{},{}",
                r.year,
                ct.code(),
                b(r.is_mips_eligible_type(ct)),
                b(automatic)
            )?;
        }
        for &reason in HardshipReason::ALL {
            if let Some(rule) = r.reason_rule(reason) {
                writeln!(
                    reasons,
                    "{},{},{},{}",
                    r.year,
                    reason.code(),
                    b(rule.accepted),
                    b(rule.voided_by_pi_submission)
                )?;
            }
        }
        // The redistribution row the rules pick for each set of categories not scored (a bit mask in
        // `Category::ALL` order: quality 1, cost 2, IA 4, PI 8) and practice size.
        for mask in 1u8..16 {
            let set = Category::ALL
                .iter()
                .filter(|c| mask & (1 << c.index()) != 0)
                .fold(CategorySet::EMPTY, |s, &c| s.with(c));
            for small in [false, true] {
                if let Some(row) = r.redistribution_for(set, small) {
                    let w = row.weights;
                    writeln!(
                        redistribution,
                        "{},{mask},{},{},{},{},{}",
                        r.year,
                        b(small),
                        w.quality,
                        w.cost,
                        w.ia,
                        w.pi
                    )?;
                }
            }
        }
        for z in &r.euc_area_zips {
            writeln!(zips, "{},{z:05}", r.year)?;
        }
    }
    for mut f in [years, types, reasons, redistribution, zips] {
        f.flush()?;
    }
    Ok(())
}
