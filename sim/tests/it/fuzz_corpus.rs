//! The fuzz targets' checks (`fuzz/src/lib.rs`, included here) over every
//! committed seed in `fuzz/corpus/TARGET/`: the seeds stay valid inputs for
//! their targets, and what the targets check holds for them, on every test
//! run and without libFuzzer.

#[path = "../../../fuzz/src/lib.rs"]
mod targets;

use crate::repo_root;

#[test]
fn every_fuzz_target_passes_its_committed_corpus() {
    let corpus = repo_root().join("fuzz/corpus");
    for (name, check) in targets::TARGETS {
        let dir = corpus.join(name);
        let mut seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("fuzz target {name} has no corpus {}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "fuzz target {name} has no seeds");
        for seed in seeds {
            let data = std::fs::read(&seed).expect("readable seed");
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("fuzz target {name} fails on {}", seed.display());
            }
        }
    }
}

#[test]
fn every_fuzz_target_has_a_binary() {
    for (name, _) in targets::TARGETS {
        let path = repo_root().join(format!("fuzz/fuzz_targets/{name}.rs"));
        assert!(path.is_file(), "{} missing", path.display());
    }
}
