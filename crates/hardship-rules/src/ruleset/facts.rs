//! The year's facts as lines with their sources (what `hardship rules` prints and diffs), and every
//! cited value of the file.

use super::*;
use std::fmt::Write as _;

impl RuleSet {
    /// Every cited value in the file, for validation and for listing what is unconfirmed.
    pub fn citations(&self) -> Vec<Cite<'_>> {
        let mut out = vec![
            self.base_weights.cite("base weights"),
            self.fewer_than_two_scored
                .cite("fewer than two scored categories"),
            self.pi_submission_voids_reweighting
                .cite("PI submission voids reweighting"),
            self.group_scored_as_group.cite("group scored as the group"),
            self.application_window.cite("application window"),
            self.application_levels.cite("who may apply"),
            self.eligible_clinician_types
                .cite("MIPS-eligible clinician types"),
            self.small_practice.cite("small practice"),
            self.group_tests
                .hospital_based
                .cite("hospital-based group test"),
            self.group_tests
                .non_patient_facing
                .cite("non-patient-facing group test"),
            self.group_tests.all_members.cite("group members test"),
            self.automatic_euc.cite("automatic EUC policy"),
            self.cost_not_scored.cite("cost not scored"),
            self.virtual_groups.cite("virtual groups"),
            self.adjustment
                .performance_threshold
                .cite("performance threshold"),
            self.adjustment
                .exceptional_threshold
                .cite("exceptional-performance threshold"),
            self.adjustment
                .max_negative_percent
                .cite("maximum negative adjustment"),
            self.adjustment
                .negative_floor_fraction
                .cite("negative floor"),
            self.adjustment
                .positive_scaling_max
                .cite("positive scaling factor"),
            self.adjustment
                .exceptional_bonus_max_percent
                .cite("exceptional-performance bonus"),
            self.adjustment
                .actual_max_positive_percent
                .cite("actual maximum positive adjustment"),
            self.small_practice_bonus.cite("small-practice bonus"),
            self.complex_patient_bonus_max.cite("complex patient bonus"),
            self.retention.cite("record retention"),
            self.targeted_review.cite("targeted-review window"),
        ];
        out.extend(
            self.targeted_review_reasons
                .iter()
                .map(|r| r.cite("targeted-review reason")),
        );
        out.extend(
            self.redistribution
                .iter()
                .map(|r| r.cite("redistribution row")),
        );
        if let Some(e) = &self.euc_application {
            out.push(e.coverage.cite("EUC application: categories and events"));
            out.push(e.levels.cite("EUC application: who may file"));
            out.push(e.data_override.cite("EUC application: data overrides"));
            out.extend(
                e.reopened
                    .iter()
                    .map(|w| w.cite("EUC window reopened for one reason")),
            );
        }
        out.extend(
            self.hardship_reasons
                .iter()
                .map(|r| r.cite("hardship reason")),
        );
        out.extend(
            self.automatic_statuses
                .iter()
                .map(|r| r.cite("automatic special status")),
        );
        out.extend(
            self.automatic_clinician_types
                .iter()
                .map(|r| r.cite("automatic clinician type")),
        );
        out
    }

    /// The facts of the year as `(key, value, cite)` lines: what `hardship rules` prints and diffs.
    pub fn facts<'a>(&'a self) -> Vec<(String, String, Cite<'a>)> {
        let mut out: Vec<(String, String, Cite<'a>)> = Vec::new();
        let mut push = |k: String, v: String, c: Cite<'a>| out.push((k, v, c));
        push(
            "pi_category_name".into(),
            self.pi_category_name.clone(),
            self.base_weights.cite("name"),
        );
        push(
            "base_weights".into(),
            self.base_weights.weights().describe(),
            self.base_weights.cite(""),
        );
        for r in &self.redistribution {
            let set = CategorySet::of(&r.reweighted).describe();
            let size = match r.practice {
                PracticeSize::Any => "any practice",
                PracticeSize::Small => "small practice",
                PracticeSize::NotSmall => "not small practice",
            };
            push(
                format!("redistribution[{set}; {size}]"),
                r.weights.describe(),
                r.cite(""),
            );
        }
        let f = &self.fewer_than_two_scored;
        push(
            "fewer_than_two_scored".into(),
            if f.final_score_equals_threshold {
                "final score = performance threshold".into()
            } else {
                "scored normally".into()
            },
            f.cite(""),
        );
        let o = &self.pi_submission_voids_reweighting;
        push(
            "pi_submission_voids_reweighting".into(),
            match (o.applies, o.incomplete_voids) {
                (false, _) => "no".to_owned(),
                (true, true) => "yes: any PI data".to_owned(),
                (true, false) => {
                    "yes: a qualifying submission; incomplete PI data neither voids nor is scored"
                        .to_owned()
                }
            },
            o.cite(""),
        );
        let g = &self.group_scored_as_group;
        push(
            "group_scored_as_group".into(),
            g.applies.to_string(),
            g.cite(""),
        );
        for r in &self.hardship_reasons {
            let v = if r.accepted {
                "accepted"
            } else {
                "not accepted"
            };
            push(
                format!("hardship_reason[{}]", r.reason),
                v.into(),
                r.cite(""),
            );
        }
        let w = &self.application_window;
        let opens = w
            .opens
            .map_or_else(|| "unknown".to_owned(), |d| d.to_string());
        push(
            "application_window".into(),
            match w.closes {
                Some(closes) => format!(
                    "opens {opens}; closes {} ({})",
                    closes.format("%Y-%m-%d %H:%M %:z"),
                    w.time_zone
                ),
                None => "not yet announced by CMS".to_owned(),
            },
            w.cite(""),
        );
        let levels: Vec<&str> = self
            .application_levels
            .levels
            .iter()
            .map(|l| l.code())
            .collect();
        push(
            "application_levels".into(),
            levels.join(", "),
            self.application_levels.cite(""),
        );
        for s in &self.automatic_statuses {
            push(
                format!("automatic_status[{}]", s.status),
                "PI reweighted".into(),
                s.cite(""),
            );
        }
        for t in &self.automatic_clinician_types {
            let types: Vec<&str> = t.types.iter().map(|t| t.code()).collect();
            let v = if t.automatic {
                "PI reweighted"
            } else {
                "not reweighted"
            };
            push(
                format!("clinician_types[{}]", types.join(", ")),
                v.into(),
                t.cite(""),
            );
        }
        let types: Vec<&str> = self
            .eligible_clinician_types
            .types
            .iter()
            .map(|t| t.code())
            .collect();
        push(
            "eligible_clinician_types".into(),
            types.join(", "),
            self.eligible_clinician_types.cite(""),
        );
        let sp = &self.small_practice;
        push(
            "small_practice".into(),
            format!(
                "≤{} clinicians; automatic PI reweighting: {}",
                sp.max_clinicians,
                if sp.automatic_pi_reweighting {
                    "yes"
                } else {
                    "no"
                }
            ),
            sp.cite(""),
        );
        let g = &self.group_tests;
        push(
            "group_test[all_members]".into(),
            if g.all_members.mixed_grounds {
                "reweighted when every MIPS eligible member qualifies on its own, on any ground"
                    .into()
            } else {
                "reweighted when every MIPS eligible member qualifies on the same ground".into()
            },
            g.all_members.cite(""),
        );
        for (name, t) in [
            ("hospital_based", &g.hospital_based),
            ("non_patient_facing", &g.non_patient_facing),
        ] {
            push(format!("group_test[{name}]"), t.describe(), t.cite(""));
        }
        let e = &self.automatic_euc;
        let who = match (e.all_individuals, &e.areas) {
            (true, _) => "every individually reporting clinician".to_owned(),
            (false, Some(a)) => format!(
                "individual clinicians whose practice is in a designated area ({} ZIP codes, {a})",
                self.euc_area_zips.len()
            ),
            (false, None) => "no area list carried for this year".to_owned(),
        };
        let cats: Vec<&str> = e.categories.iter().map(|c| c.code()).collect();
        let over: Vec<&str> = e.overridden_by_data.iter().map(|c| c.code()).collect();
        push(
            "automatic_euc".into(),
            format!(
                "{who}; reweights {}; data overrides {}",
                if cats.is_empty() {
                    "nothing".to_owned()
                } else {
                    cats.join(", ")
                },
                if over.is_empty() {
                    "nothing".to_owned()
                } else {
                    over.join(", ")
                }
            ),
            e.cite(""),
        );
        if let Some(x) = &self.euc_application {
            let codes = |v: &[Category]| v.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ");
            let events: Vec<&str> = x.coverage.event_types.iter().map(|t| t.code()).collect();
            push(
                "euc_application".into(),
                format!(
                    "may reweight {}; events {}",
                    codes(&x.coverage.categories),
                    events.join(", ")
                ),
                x.coverage.cite(""),
            );
            let levels: Vec<&str> = x.levels.levels.iter().map(|l| l.code()).collect();
            push(
                "euc_application.levels".into(),
                format!(
                    "{}{}",
                    levels.join(", "),
                    if x.levels.apm_entity_all_categories {
                        "; an APM entity asks for every category"
                    } else {
                        ""
                    }
                ),
                x.levels.cite(""),
            );
            push(
                "euc_application.data_override".into(),
                format!(
                    "data overrides {}{}",
                    if x.data_override.categories.is_empty() {
                        "nothing".to_owned()
                    } else {
                        codes(&x.data_override.categories)
                    },
                    if x.data_override.apm_entity {
                        ""
                    } else {
                        "; not for an APM entity"
                    }
                ),
                x.data_override.cite(""),
            );
            for (i, w) in x.reopened.iter().enumerate() {
                push(
                    format!("euc_application.reopened[{i}]"),
                    format!(
                        "{} only, {} – {}{}{}",
                        w.reason.code(),
                        w.opens.map_or_else(
                            || "from the main deadline".to_owned(),
                            |o| o.format("%Y-%m-%d %H:%M %:z").to_string()
                        ),
                        w.closes.format("%Y-%m-%d %H:%M %:z"),
                        if w.levels.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; {}",
                                w.levels
                                    .iter()
                                    .map(|l| l.code())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        },
                        if w.overrides_data {
                            "; overrides submitted data"
                        } else {
                            ""
                        }
                    ),
                    w.cite(""),
                );
            }
        }
        let levels: Vec<&str> = self
            .cost_not_scored
            .levels
            .iter()
            .map(|l| l.code())
            .collect();
        push(
            "cost_not_scored".into(),
            if levels.is_empty() {
                "none".to_owned()
            } else {
                format!("cost weighted 0% for {}", levels.join(", "))
            },
            self.cost_not_scored.cite(""),
        );
        push(
            "virtual_groups".into(),
            self.virtual_groups.allowed.to_string(),
            self.virtual_groups.cite(""),
        );
        let a = &self.adjustment;
        push(
            "performance_threshold".into(),
            fmt_num(a.performance_threshold.value),
            a.performance_threshold.cite(""),
        );
        push(
            "exceptional_threshold".into(),
            a.exceptional_threshold
                .value
                .map_or_else(|| "none".into(), fmt_num),
            a.exceptional_threshold.cite(""),
        );
        push(
            "max_negative_adjustment".into(),
            format!("-{}%", fmt_num(a.max_negative_percent.value)),
            a.max_negative_percent.cite(""),
        );
        push(
            "negative_floor".into(),
            format!(
                "final score ≤ {} × threshold gets the full negative adjustment",
                fmt_num(a.negative_floor_fraction.value)
            ),
            a.negative_floor_fraction.cite(""),
        );
        push(
            "positive_scaling_max".into(),
            format!("{}×", fmt_num(a.positive_scaling_max.value)),
            a.positive_scaling_max.cite(""),
        );
        push(
            "exceptional_bonus_max".into(),
            a.exceptional_bonus_max_percent
                .value
                .map_or_else(|| "none".into(), |v| format!("+{}%", fmt_num(v))),
            a.exceptional_bonus_max_percent.cite(""),
        );
        push(
            "actual_max_positive".into(),
            a.actual_max_positive_percent
                .value
                .map_or_else(|| "not published".into(), |v| format!("+{}%", fmt_num(v))),
            a.actual_max_positive_percent.cite(""),
        );
        let b = &self.small_practice_bonus;
        let place = match b.placement {
            BonusPlacement::None => "none".to_owned(),
            BonusPlacement::FinalScore => {
                format!("+{} points to the final score", fmt_num(b.points))
            }
            BonusPlacement::QualityCategory => {
                format!("+{} points inside the Quality category", fmt_num(b.points))
            }
        };
        push("small_practice_bonus".into(), place, b.cite(""));
        push(
            "complex_patient_bonus_max".into(),
            format!("{} points", fmt_num(self.complex_patient_bonus_max.value)),
            self.complex_patient_bonus_max.cite(""),
        );
        let r = &self.retention;
        push(
            "record_retention".into(),
            format!(
                "{} years (regulatory); {} years recommended",
                r.regulatory_years, r.recommended_years
            ),
            r.cite(""),
        );
        let w = &self.targeted_review;
        push(
            "targeted_review_window".into(),
            match w.closes {
                Some(closes) => format!(
                    "opens {}; closes {} ({})",
                    w.opens.map_or_else(
                        || "on the final scores' release".to_owned(),
                        |d| d.to_string()
                    ),
                    closes.format("%Y-%m-%d %H:%M %:z"),
                    w.time_zone
                ),
                None => "not yet announced by CMS".to_owned(),
            },
            w.cite(""),
        );
        for r in &self.targeted_review_reasons {
            push(
                format!("targeted_review_reason[{}]", r.reason),
                r.label.clone(),
                r.cite(""),
            );
        }
        out
    }

    /// A readable listing of the year, one fact a line with its sources.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Performance year {} (payment year {}), rule set {}",
            self.year,
            self.year + 2,
            self.version
        );
        if self.is_provisional() {
            let _ = writeln!(
                s,
                "PROVISIONAL: PY {} rules not yet confirmed. Every value below is carried from the year before and marked UNCONFIRMED until the year's final rule is read.",
                self.year
            );
        }
        for (k, v, c) in self.facts() {
            let flag = if c.confirmed { "" } else { "  [UNCONFIRMED]" };
            let _ = writeln!(
                s,
                "{k:<44} {v}{flag}\n{:<44} sources: {}",
                "",
                render_sources(c.sources)
            );
        }
        s
    }
}

pub fn render_sources(sources: &[String]) -> String {
    if sources.is_empty() {
        return "none".to_owned();
    }
    sources
        .iter()
        .map(|s| format!("[{s}]"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Numbers print without a trailing `.0` when whole.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
