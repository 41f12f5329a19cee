//! `cirrus exec --list-adapters`.

use crate::Failure;
use crate::cli::ExecArgs;
use cirrus_executor::devices;

/// Prints the compute adapters wgpu finds, one block each; fails with the
/// executor's typed error (and its hint) when there is none.
pub fn run(args: &ExecArgs) -> Result<(), Failure> {
    // `--list-adapters` is required by the parser; it is the only mode so far.
    debug_assert!(args.list_adapters);
    // The executor's messages read after "failed to".
    let adapters =
        devices::list_adapters().map_err(|e| Failure::Runtime(anyhow::anyhow!("failed to {e}")))?;
    for (i, a) in adapters.iter().enumerate() {
        println!("adapter {i}: {}", a.name);
        println!("  backend: {}", a.backend);
        println!("  type:    {}", a.device_type);
        println!("  driver:  {}", driver_text(&a.driver, &a.driver_info));
    }
    Ok(())
}

fn driver_text(driver: &str, info: &str) -> String {
    match (driver.is_empty(), info.is_empty()) {
        (true, true) => "(not reported)".to_owned(),
        (false, true) => driver.to_owned(),
        (true, false) => info.to_owned(),
        (false, false) => format!("{driver} ({info})"),
    }
}
