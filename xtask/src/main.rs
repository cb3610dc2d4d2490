//! The project's task runner: `cargo xtask <task>`. Every task installs what it
//! needs when it is missing (and skips what is there), so the commands work on a
//! fresh machine that has only rustup, Python 3 with pip, Node/npm and apt.

mod install;
mod run;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  serve    build the API (and the widget once it exists) and start http://127.0.0.1:8080
           on an embedded SQLite file; extra arguments go to `dk2020-api serve`
  test     install what the tests need if missing, then run every check and test
  help     this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "serve" => run::serve(rest),
        "test" => run::test(rest),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
