//! Cirrus executor: runs a chosen plan for real, data-parallel training of a
//! small transformer through wgpu compute shaders, and measures it against
//! the simulator's prediction.
//!
//! Empty in this build: it arrives with the executor issue. It depends on
//! `cirrus-sim` for the Plan type only.
