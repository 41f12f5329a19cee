//! "Did you mean" suggestions for misspelt keys, ids and presets.

/// The candidate closest to `input`, if it is close enough to be a likely
/// misspelling (Jaro-Winkler similarity of at least 0.8, or an edit distance
/// of at most a third of the input's length). Ties keep the earlier candidate,
/// so the answer is deterministic.
pub fn closest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let input_lc = input.to_ascii_lowercase();
    let mut best: Option<(&'a str, f64)> = None;
    for candidate in candidates {
        let cand_lc = candidate.to_ascii_lowercase();
        let jw = strsim::jaro_winkler(&input_lc, &cand_lc);
        let lev = strsim::levenshtein(&input_lc, &cand_lc);
        let close = jw >= 0.8 || (lev * 3 <= input_lc.len().max(3));
        if !close {
            continue;
        }
        if best.is_none_or(|(_, score)| jw > score) {
            best = Some((candidate, jw));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_misses_only() {
        let keys = ["tp", "pp", "dp", "microbatch", "schedule"];
        assert_eq!(closest("microbach", keys), Some("microbatch"));
        assert_eq!(closest("shedule", keys), Some("schedule"));
        assert_eq!(closest("completely-different", keys), None);
        assert_eq!(
            closest("bf17", ["fp32", "fp16", "bf16", "fp8"]),
            Some("bf16")
        );
    }
}
