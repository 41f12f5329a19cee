//! The command reference (`docs/commands-reference.md`): every command's
//! long `--help`, rendered from the clap definition in `src/cli.rs`, so
//! the committed page cannot drift from the program (a test compares them;
//! `CIRRUS_BLESS=1 cargo test -p cirrus --test it docs` rewrites it).

use clap::CommandFactory;

/// Column at which help text wraps in the page, whatever the terminal.
const WIDTH: usize = 100;

/// The command reference as Markdown: the top-level help, then each
/// subcommand's (and each of theirs), in the order `cirrus --help` lists
/// them.
pub fn commands_markdown() -> String {
    let mut cmd = crate::cli::Cli::command()
        .term_width(WIDTH)
        .max_term_width(WIDTH);
    cmd.build();
    let mut out = String::from(
        "# Command reference\n\n\
         Generated from the command-line definition (`src/cli.rs`): each \
         command's `--help`, as `cirrus COMMAND --help` prints it. A test \
         fails when this page is stale; regenerate it with \
         `CIRRUS_BLESS=1 cargo test -p cirrus --test it docs`. Each command's \
         manual page, with worked examples, is in [commands/](commands/README.md).\n",
    );
    section(&mut cmd, "cirrus", &mut out);
    out
}

/// Appends `cmd`'s help under a heading naming `path`, then its subcommands'.
fn section(cmd: &mut clap::Command, path: &str, out: &mut String) {
    let help = cmd.render_long_help().to_string();
    out.push_str(&format!(
        "\n## `{path}`\n\n```text\n{}\n```\n",
        help.trim_end()
    ));
    let names: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        if let Some(sub) = cmd.find_subcommand_mut(&name) {
            section(sub, &format!("{path} {name}"), out);
        }
    }
}
