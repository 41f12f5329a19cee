//! Cirrus's simulator library: everything between a scenario file and an
//! answer. It owns the domain — scenario schema and validation, the hardware
//! catalogue, the cluster topology, transformer models and their arithmetic,
//! the step estimate — and the output types other crates consume. It has no
//! terminal, GPU or plotting code, and depends on no other Cirrus crate.
//!
//! ```text
//! scenario.toml ──scenario::load──► Scenario ──planner::plan──► Plan (plan.json)
//!                    │                  │                           │
//!                    │                  └──stepsim::simulate / estimate (analytic)──► SimResult (result)
//!                    │                        ├── engine: discrete events, seeded random streams
//!                    │                        ├── netsim: max-min fair flows, collectives
//!                    │                        ├── topology, catalogue, model (parameters, FLOPs, memory)
//!                    │                        └── fidelity: held against published measurements
//!                    └──► Diagnostics (file:line:column, key path, hint)
//! ```
//!
//! ```
//! use cirrus_sim::{estimate, scenario};
//!
//! let text = r#"
//! [[pool]]
//! name = "h100"
//! device = "h100-sxm5-80gb"
//! nodes = 2
//! [[job]]
//! model = "gpt3-6.7b"
//! seq_len = 2048
//! global_batch = 64
//! [job.parallelism]
//! tp = 4
//! "#;
//! let s = scenario::parse(text, "example.toml").expect("a valid scenario");
//! let result = estimate::simulate(&s, s.seed).expect("an explicit configuration");
//! let job = &result.jobs[0];
//! assert_eq!(job.devices, 16);
//! assert!(job.fits_memory && job.mfu > 0.0 && job.mfu < 1.0);
//! ```

pub mod bench;
pub mod catalogue;
pub mod cluster;
pub mod engine;
pub mod estimate;
pub mod fidelity;
pub mod fsio;
pub mod human;
pub mod library;
pub mod mesh;
pub mod model;
pub mod netsim;
pub mod output_set;
pub mod parallelism;
pub mod plan;
pub mod planner;
pub mod profile;
pub mod result;
pub mod scenario;
pub mod source;
pub mod split;
pub mod stages;
pub mod step_budget;
pub mod stepsim;
pub mod suggest;
pub mod sweep;
pub mod text;
pub mod topology;
pub mod units;
pub mod workload;
