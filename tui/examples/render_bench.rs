//! How long drawing each tab takes with a scenario's results on screen
//! (the part of answering a key press that grows with the results): loads
//! and simulates the scenario, then draws every tab 20 times on a 120×40
//! test terminal and prints the median and the worst per tab.
//!
//! ```sh
//! cargo run --release -p cirrus-tui --example render_bench -- scenarios/pai-scale-1m.toml
//! ```

use cirrus_tui::{Message, Model, Tab, tasks, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: std::path::PathBuf = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/pai-scale-1m.toml".to_owned())
        .into();
    let scenario = tasks::load(&path).map_err(|e| format!("{e:?}"))?;
    let mut model = Model::new(Vec::new());
    update(
        &mut model,
        Message::Loaded {
            path: path.clone(),
            result: Ok(Arc::new(scenario.clone())),
        },
    );
    let started = Instant::now();
    let out = tasks::simulate(&scenario, &mut |_, _| {}, &AtomicBool::new(false))?;
    println!("simulated in {:.2} s", started.elapsed().as_secs_f64());
    update(
        &mut model,
        Message::Simulated {
            run: 1,
            result: Ok(Arc::new(out)),
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40))?;
    for tab in Tab::ALL {
        update(&mut model, Message::ShowTab(tab));
        let mut ms: Vec<f64> = (0..20)
            .map(|_| {
                let t = Instant::now();
                let _ = terminal.draw(|f| view(&model, f));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "{:<10} median {:>8.3} ms   worst {:>8.3} ms",
            tab.title(),
            ms[ms.len() / 2],
            ms[ms.len() - 1]
        );
    }
    Ok(())
}
