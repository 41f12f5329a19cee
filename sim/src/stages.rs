//! How a model's layers are split over pipeline stages and their virtual
//! chunks, as Megatron-LM splits them:
//!
//! - evenly when `pp × virtual_stages` divides the layers;
//! - else with the embedding and the output layer counted as one layer each
//!   (Megatron-LM's `account_for_embedding_in_pipeline_split` and
//!   `account_for_loss_in_pipeline_split`): `layers + 2` split evenly, the
//!   first chunk and the last one layer short. Llama 3 405B's 126 layers on
//!   16 stages give 7, 8 × 14, 7 (the Llama 3 paper, Section 3.3.2: "we
//!   reduce one Transformer layer each from the first and the last stages");
//! - or with the first and last stages' layers given
//!   (`num_layers_in_first_pipeline_stage`, `..._last_...`), the rest split
//!   evenly over the middle stages, each stage's layers evenly over its
//!   virtual chunks.
//!
//! Chunk `k` of the model (in layer order) runs on stage `k mod pp`, as
//! virtual stage `k div pp` of it (Narayanan et al. 2021's interleaving).
//!
//! ```
//! use cirrus_sim::stages::{split, StageEnds};
//!
//! let s = split(126, 16, 1, StageEnds::default()).expect("splits");
//! assert_eq!(s.stage_layers(0), 7);
//! assert_eq!(s.stage_layers(1), 8);
//! assert_eq!(s.stage_layers(15), 7);
//! assert!(!s.is_even());
//! ```

use std::fmt;

/// The layers of the first and the last pipeline stage when the file sets
/// them; `None` lets the rule above pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StageEnds {
    /// Layers of stage 0.
    pub first: Option<u32>,
    /// Layers of stage `pp − 1`.
    pub last: Option<u32>,
}

impl StageEnds {
    /// Whether either end is set.
    pub fn is_set(&self) -> bool {
        self.first.is_some() || self.last.is_some()
    }
}

/// How the layers lie on the chunks, described by a few numbers rather
/// than a list (`pp × virtual_stages` may be large in a file that is then
/// refused for other reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageSplit {
    pp: u32,
    v: u32,
    /// Layers of an ordinary chunk.
    per: u32,
    /// Layers of each chunk of the first and of the last stage, where they
    /// differ from `per` stage-wide (set ends), or of the model's very first
    /// and very last chunk only (the embedding- and loss-aware split).
    ends: Ends,
}

/// The chunks that differ from the ordinary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// None: an even split.
    Even,
    /// The model's first and last chunk hold one layer fewer.
    OneShort,
    /// Every chunk of the first (last) stage holds this many layers.
    Stages(Option<u32>, Option<u32>),
}

impl StageSplit {
    /// Pipeline stages.
    pub fn stages(&self) -> u32 {
        self.pp
    }

    /// Layers of virtual chunk `chunk` (`0..virtual_stages`) of `stage`.
    pub fn chunk_layers(&self, stage: u32, chunk: u32) -> u32 {
        if stage >= self.pp || chunk >= self.v {
            return 0;
        }
        let last = stage + 1 == self.pp;
        match self.ends {
            Ends::Even => self.per,
            Ends::OneShort => {
                let short = (stage == 0 && chunk == 0) || (last && chunk + 1 == self.v);
                self.per - u32::from(short)
            }
            Ends::Stages(first, _) if stage == 0 && first.is_some() => {
                first.unwrap_or(self.per) / self.v
            }
            Ends::Stages(_, Some(l)) if last => l / self.v,
            Ends::Stages(..) => self.per,
        }
    }

    /// Layers of `stage`, over all its chunks.
    pub fn stage_layers(&self, stage: u32) -> u32 {
        if stage >= self.pp {
            return 0;
        }
        match self.ends {
            Ends::Even | Ends::Stages(..) => self.chunk_layers(stage, 0).saturating_mul(self.v),
            Ends::OneShort => {
                let short = u32::from(stage == 0) + u32::from(stage + 1 == self.pp);
                (self.per * self.v).saturating_sub(short)
            }
        }
    }

    /// Layers of each stage, in order.
    pub fn per_stage(&self) -> Vec<u32> {
        (0..self.pp).map(|s| self.stage_layers(s)).collect()
    }

    /// Whether every chunk holds the same number of layers.
    pub fn is_even(&self) -> bool {
        match self.ends {
            Ends::Even => true,
            Ends::OneShort => false,
            Ends::Stages(first, last) => {
                // The chunk sizes present: each set end's, and the ordinary
                // one where a stage is left between them.
                let set = [first, last].iter().flatten().count() as u32;
                let mut sizes = [first, last].into_iter().flatten().map(|l| l / self.v);
                let first_size = sizes.next().unwrap_or(self.per);
                sizes.all(|x| x == first_size) && (self.pp <= set || first_size == self.per)
            }
        }
    }
}

impl fmt::Display for StageSplit {
    /// Runs of equal stages: `7 + 14×8 + 7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut i = 0;
        while i < self.pp {
            let layers = self.stage_layers(i);
            let run = (i..self.pp)
                .take_while(|&s| self.stage_layers(s) == layers)
                .count();
            if i > 0 {
                f.write_str(" + ")?;
            }
            if run > 1 {
                write!(f, "{run}×{layers}")?;
            } else {
                write!(f, "{layers}")?;
            }
            i += u32::try_from(run).unwrap_or(self.pp);
        }
        Ok(())
    }
}

/// Splits `layers` over `pp` stages of `v` virtual chunks each (0 is read as
/// 1), or says why it cannot (the message names `pp`, `virtual_stages`,
/// `first_stage_layers` or `last_stage_layers` as the file does).
pub fn split(layers: u32, pp: u32, v: u32, ends: StageEnds) -> Result<StageSplit, String> {
    let (pp, v) = (pp.max(1), v.max(1));
    let chunks = u64::from(pp) * u64::from(v);
    let what = if v == 1 {
        format!("pp = {pp}")
    } else {
        format!("pp × virtual_stages = {pp} × {v} = {chunks}")
    };
    let made = |per: u64, ends| StageSplit {
        pp,
        v,
        per: u32::try_from(per).unwrap_or(u32::MAX),
        ends,
    };
    if !ends.is_set() {
        if u64::from(layers).is_multiple_of(chunks) {
            return Ok(made(u64::from(layers) / chunks, Ends::Even));
        }
        let padded = u64::from(layers) + 2;
        if chunks >= 2 && padded.is_multiple_of(chunks) && padded / chunks >= 2 {
            return Ok(made(padded / chunks, Ends::OneShort));
        }
        return Err(format!(
            "{what} divides neither the model's {layers} layers nor {layers} + 2 (the embedding and \
             the output layer counted as a layer each); set first_stage_layers and last_stage_layers"
        ));
    }
    let given = [ends.first, ends.last];
    if pp == 1 && ends.first.is_some() && ends.last.is_some() {
        return Err("with pp = 1 the first stage is the last: set one of first_stage_layers and last_stage_layers".to_owned());
    }
    for (key, l) in ["first_stage_layers", "last_stage_layers"]
        .into_iter()
        .zip(given)
    {
        if let Some(l) = l
            && (l == 0 || !l.is_multiple_of(v))
        {
            return Err(format!(
                "{key} = {l} is not a positive multiple of virtual_stages = {v}"
            ));
        }
    }
    let ends_sum = u64::from(ends.first.unwrap_or(0)) + u64::from(ends.last.unwrap_or(0));
    let middle = u64::from(layers).checked_sub(ends_sum).ok_or_else(|| {
        format!(
            "first_stage_layers + last_stage_layers = {ends_sum} exceed the model's {layers} layers"
        )
    })?;
    let middle_stages = u64::from(pp) - given.iter().flatten().count() as u64;
    let middle_chunks = middle_stages * u64::from(v);
    let per = if middle_stages == 0 {
        if middle != 0 {
            return Err(format!(
                "the first and last stages hold {ends_sum} of the model's {layers} layers and no stage is left for the rest"
            ));
        }
        0
    } else if middle == 0 || !middle.is_multiple_of(middle_chunks) {
        let plural = if middle_stages == 1 { "" } else { "s" };
        let each = if v > 1 {
            format!(" of {v} chunks each")
        } else {
            String::new()
        };
        return Err(format!(
            "the {middle} layers left beside the first and last stages do not split evenly over the {middle_stages} other stage{plural}{each}"
        ));
    } else {
        middle / middle_chunks
    };
    Ok(made(per, Ends::Stages(ends.first, ends.last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama3_405b_on_16_stages_is_megatrons_split() {
        // Llama 3 paper §3.3.2 and Megatron-LM's account_for_embedding/loss.
        let s = split(126, 16, 1, StageEnds::default()).expect("splits");
        let mut want = vec![8; 16];
        want[0] = 7;
        want[15] = 7;
        assert_eq!(s.per_stage(), want);
        assert_eq!(s.to_string(), "7 + 14×8 + 7");
    }

    #[test]
    fn interleaved_uneven_split_shortens_the_first_and_last_chunk() {
        // 126 layers, pp 8 × vp 8 = 64 chunks: 128 / 64 = 2 per chunk.
        let s = split(126, 8, 8, StageEnds::default()).expect("splits");
        assert_eq!(s.chunk_layers(0, 0), 1);
        assert_eq!(s.chunk_layers(7, 7), 1);
        assert_eq!(s.chunk_layers(0, 1), 2);
        assert_eq!(s.stage_layers(0), 15);
        assert_eq!(s.stage_layers(3), 16);
        assert_eq!(s.stage_layers(7), 15);
        assert_eq!(s.per_stage().iter().sum::<u32>(), 126);
    }

    #[test]
    fn an_even_split_stays_even() {
        let s = split(96, 8, 2, StageEnds::default()).expect("splits");
        assert!(s.is_even());
        assert_eq!(s.chunk_layers(5, 1), 6);
        assert_eq!(s.to_string(), "8×12");
    }

    #[test]
    fn given_ends_split_the_rest_over_the_middle() {
        let ends = StageEnds {
            first: Some(5),
            last: Some(9),
        };
        let s = split(126, 16, 1, ends).expect("splits");
        assert_eq!(s.stage_layers(0), 5);
        assert_eq!(s.stage_layers(15), 9);
        assert_eq!(s.stage_layers(7), 8);
        let bad = split(127, 16, 1, ends).expect_err("113 over 14 stages");
        assert!(
            bad.contains("do not split evenly over the 14 other stages"),
            "{bad}"
        );
        let odd = split(
            126,
            16,
            2,
            StageEnds {
                first: Some(7),
                last: None,
            },
        )
        .expect_err("7 chunks of 2");
        assert!(odd.contains("first_stage_layers = 7"), "{odd}");
    }

    #[test]
    fn a_split_nothing_fits_is_refused_naming_the_keys() {
        let e = split(126, 16, 3, StageEnds::default()).expect_err("48 ∤ 126, 128");
        assert!(
            e.starts_with("pp × virtual_stages = 16 × 3 = 48 divides neither"),
            "{e}"
        );
        assert!(e.contains("first_stage_layers"), "{e}");
    }

    #[test]
    fn evenness_is_that_of_the_chunks() {
        let both = |first, last| StageEnds {
            first: Some(first),
            last: Some(last),
        };
        // Every stage is an end: 3 and 3 is even, 2 and 4 is not.
        assert!(split(6, 2, 1, both(3, 3)).expect("splits").is_even());
        assert!(!split(6, 2, 1, both(2, 4)).expect("splits").is_even());
        // Ends equal to the middle are even; one short is not.
        assert!(split(24, 4, 2, both(6, 6)).expect("splits").is_even());
        assert!(!split(22, 4, 2, both(6, 4)).expect("splits").is_even());
        // A huge split is described, not listed.
        let huge = split(4_000_000_000, 2_000_000_000, 1, StageEnds::default()).expect("splits");
        assert_eq!(huge.stage_layers(1_999_999_999), 2);
        assert!(huge.is_even());
    }

    #[test]
    fn every_split_keeps_every_layer() {
        for layers in 1..140 {
            for pp in 1..20 {
                for v in 1..5 {
                    if let Ok(s) = split(layers, pp, v, StageEnds::default()) {
                        assert_eq!(s.per_stage().iter().sum::<u32>(), layers);
                        assert!(s.per_stage().iter().all(|&l| l > 0));
                    }
                }
            }
        }
    }
}
