//! A year file's own checks, run once when it is read: every cited source is a known key, shares and
//! weights add up, dates are in order.

use super::*;

impl RuleSet {
    pub(super) fn validate(&self, known_sources: &[&str]) -> Result<(), String> {
        let base = self.base_weights.weights();
        if base.sum() != 100 {
            return Err(format!(
                "base weights {} sum to {}, not 100",
                base.describe(),
                base.sum()
            ));
        }
        for row in &self.redistribution {
            let w = row.weights;
            let set = CategorySet::of(&row.reweighted);
            if w.sum() != 100 {
                return Err(format!(
                    "redistribution row for {} sums to {}, not 100",
                    set.describe(),
                    w.sum()
                ));
            }
            if let Some(c) = set.iter().find(|&c| w.get(c) != 0) {
                return Err(format!(
                    "redistribution row for {} gives reweighted {} a weight",
                    set.describe(),
                    c
                ));
            }
            if set.is_empty() {
                return Err(
                    "a redistribution row must name at least one reweighted category".into(),
                );
            }
        }
        // Every combination that leaves at least two scored categories needs exactly one row for each
        // practice size; fewer than two scored categories is covered by its own rule.
        let active = base.active();
        for subset in active
            .subsets()
            .filter(|s| !s.is_empty() && active.len() - s.len() >= 2)
        {
            for small in [false, true] {
                let n = self
                    .redistribution
                    .iter()
                    .filter(|r| r.applies(subset, small))
                    .count();
                if n != 1 {
                    let size = if small { "small" } else { "not small" };
                    return Err(format!(
                        "redistribution table has {n} rows for reweighted {} ({size} practice); need exactly 1",
                        subset.describe()
                    ));
                }
            }
        }
        for r in HardshipReason::ALL {
            let n = self
                .hardship_reasons
                .iter()
                .filter(|x| x.reason == *r)
                .count();
            if n != 1 {
                return Err(format!(
                    "hardship reason {r} is listed {n} times; need exactly once"
                ));
            }
        }
        let adj = &self.adjustment;
        let pt = adj.performance_threshold.value;
        if !(0.0..=100.0).contains(&pt) {
            return Err(format!("performance threshold {pt} outside 0–100"));
        }
        if let Some(ex) = adj.exceptional_threshold.value
            && !(pt..=100.0).contains(&ex)
        {
            return Err(format!(
                "exceptional threshold {ex} must lie between {pt} and 100"
            ));
        }
        if !(0.0..1.0).contains(&adj.negative_floor_fraction.value) {
            return Err("negative_floor_fraction must lie in [0, 1)".into());
        }
        for t in [
            &self.group_tests.hospital_based,
            &self.group_tests.non_patient_facing,
        ] {
            if !(0.0..=1.0).contains(&t.share) {
                return Err(format!("group test share {} outside 0–1", t.share));
            }
        }
        let w = &self.application_window;
        if let (Some(opens), Some(closes)) = (w.opens, w.closes)
            && opens > closes.date_naive()
        {
            return Err(format!(
                "application window opens {opens} after it closes {closes}"
            ));
        }
        let tr = &self.targeted_review;
        if let (Some(opens), Some(closes)) = (tr.opens, tr.closes)
            && opens > closes.date_naive()
        {
            return Err(format!(
                "targeted-review window opens {opens} after it closes {closes}"
            ));
        }
        let mut codes: Vec<&str> = self
            .targeted_review_reasons
            .iter()
            .map(|r| r.reason.as_str())
            .collect();
        codes.sort_unstable();
        if codes.is_empty() || codes.windows(2).any(|w| w[0] == w[1]) {
            return Err("targeted_review_reasons must list distinct reasons".into());
        }
        let euc = &self.automatic_euc;
        if let Some(c) = euc
            .overridden_by_data
            .iter()
            .find(|c| !euc.categories.contains(c))
        {
            return Err(format!(
                "automatic EUC: data in {c} overrides a category the policy does not reweight"
            ));
        }
        if let Some(e) = &self.euc_application {
            if e.coverage.categories.is_empty() || e.coverage.event_types.is_empty() {
                return Err("EUC application: no category or no event type".into());
            }
            let main_close = w.closes;
            for r in &e.reopened {
                let opens = r.opens.or(main_close);
                if opens.is_none_or(|o| o >= r.closes) {
                    return Err(format!(
                        "EUC window reopened for {} closes {} before it opens",
                        r.reason, r.closes
                    ));
                }
                if main_close.is_some_and(|c| r.closes <= c) {
                    return Err(format!(
                        "EUC window reopened for {} closes {} before the main window does",
                        r.reason, r.closes
                    ));
                }
            }
        }
        for cite in self.citations() {
            if cite.confirmed && cite.sources.is_empty() {
                return Err(format!(
                    "{} is marked confirmed but cites no source",
                    cite.what
                ));
            }
            if let Some(bad) = cite
                .sources
                .iter()
                .find(|s| !known_sources.contains(&s.as_str()))
            {
                return Err(format!("{} cites unknown source key [{bad}]", cite.what));
            }
        }
        Ok(())
    }
}
